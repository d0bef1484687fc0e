/**
 * The digests behind the setup fingerprint (fingerprint.ts): SHA-256 over a model's parameters (by name, shape and
 * float32 bytes, in name order) and its tokenizer, and over a dataset's split images and captions. The same bytes
 * give the same digest in the page's worker and on the command line. Reads each parameter once (tfjs data()).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ExperimentConfig } from './config';
import { setupIdentity, type SetupIdentity } from './fingerprint';
import type { ImageSplits } from './prepare';
import type * as tf from '../tf';

type Hasher = ReturnType<typeof sha256.create>;
const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Hex SHA-256 over a model's parameters in name order (name, shape, float32 bytes), then `extra` text. */
export async function paramsDigest(params: ReadonlyMap<string, tf.Variable>, extra = ''): Promise<string> {
  const h: Hasher = sha256.create();
  for (const name of [...params.keys()].sort()) {
    const v = params.get(name)!;
    h.update(utf8ToBytes(`${name}[${v.shape.join(',')}]`));
    h.update(bytes((await v.data()) as Float32Array));
  }
  h.update(utf8ToBytes(extra));
  return bytesToHex(h.digest());
}

/** Hex SHA-256 over a dataset's splits: name, image size and counts, every image's float pixels, every caption. */
export function imagesDigest(images: ImageSplits): string {
  const h: Hasher = sha256.create();
  h.update(utf8ToBytes(JSON.stringify([images.name, images.size, images.trainCount, images.valCount])));
  h.update(bytes(images.train));
  h.update(bytes(images.val));
  h.update(utf8ToBytes(JSON.stringify([images.trainCaptions, images.valCaptions, images.categories])));
  return bytesToHex(h.digest());
}

/**
 * The identity of an experiment's setup (fingerprint.ts) from its effective config (after the --tokens budget and
 * the sweep's rates) and its loaded inputs; `names` label each input in messages only.
 */
export async function experimentIdentity(
  cfg: ExperimentConfig,
  inputs: {
    images: ImageSplits;
    lm: { params: ReadonlyMap<string, tf.Variable> };
    tokenizerJson: string;
    vq: { params: ReadonlyMap<string, tf.Variable> };
  },
  names: { lm: string; vq: string },
): Promise<SetupIdentity> {
  return setupIdentity(cfg, {
    dataset: { name: inputs.images.name, digest: imagesDigest(inputs.images) },
    lm: { name: names.lm, digest: await paramsDigest(inputs.lm.params, inputs.tokenizerJson) },
    vq: { name: names.vq, digest: await paramsDigest(inputs.vq.params) },
  });
}
