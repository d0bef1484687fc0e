/**
 * The VQ codes of an experiment's images without encoding them at every start: the shipped emoji's tables
 * (public/data, written by `npm run build-data`) for the shipped tokenizer, and bring-your-own tables encoded once and
 * kept in IndexedDB (database "tabula-codes") under the zip's SHA-256 and the tokenizer's key (core/data/codes.ts).
 * Whatever is missing or belongs to another tokenizer is encoded, never guessed; a failing cache only costs time.
 */
import { openDB, type DBSchema } from 'idb';
import { sha256Hex, shippedEmojiCodes } from '../core/data/codes';
import { encodeCodeTable, type ImageSplits, type PrepareOptions } from '../core/experiment/prepare';
import type { VQVAE } from '../core/nn/vqvae';
import { readPublicData } from './browser-io';
import type { DatasetSpec } from './protocol';

interface CodesSchema extends DBSchema {
  codes: { key: string; value: { codes: Int32Array; images: number; name: string; savedAt: number } };
}

const db = () => openDB<CodesSchema>('tabula-codes', 1, { upgrade: (d) => d.createObjectStore('codes') });

/**
 * The code table (every image of the dataset, in its order) for `vq` with key `key`, or null when the images must be
 * encoded by the preparation (emoji without shipped codes for this tokenizer). `say` reports what happened; `progress`
 * counts the images encoded (it may throw to cancel).
 */
export async function codeTableFor(
  spec: DatasetSpec,
  images: ImageSplits,
  vq: VQVAE,
  key: string,
  say: (s: string) => void,
  progress?: PrepareOptions['progress'],
): Promise<Int32Array | null> {
  if (spec.kind === 'emoji') {
    const shipped = await shippedEmojiCodes(readPublicData, spec.style, key, vq.config.codebookSize);
    if (shipped.codes) return shipped.codes;
    say(`encoding the images: ${shipped.why}`);
    return null;
  }
  const id = `${await sha256Hex(spec.zip)}:${key}`;
  const cached = await db()
    .then((d) => d.get('codes', id))
    .catch(() => undefined);
  if (
    cached &&
    cached.images === images.datasetSize &&
    cached.codes.length === images.datasetSize * vq.grid * vq.grid
  ) {
    say(`using this dataset's codes saved in this browser on ${new Date(cached.savedAt).toLocaleString('en')}`);
    return cached.codes;
  }
  say(`turning ${images.datasetSize} images into tokens (saved in this browser for next time)`);
  const codes = await encodeCodeTable(vq, images, progress);
  await db()
    .then((d) => d.put('codes', { codes, images: images.datasetSize, name: spec.name, savedAt: Date.now() }, id))
    .catch(() => undefined);
  return codes;
}
