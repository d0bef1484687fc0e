/**
 * What `npm run replicate` and `npm run export` share before the lifecycle takes over: their flags besides the
 * setup (setup-flags.ts) — --out, --dataset, --backend, --lm, --vq, --train-vq — and the loading of the experiment's
 * inputs: the pre-trained LM and its tokenizer, the VQ tokenizer (trained on a bring-your-own dataset with
 * --train-vq), the image splits, and the shipped emoji's pre-computed codes when they belong to this tokenizer.
 */
import { DeviceImages } from '../core/data/images';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { loadVQWithKey, shippedEmojiCodes } from '../core/data/codes';
import { loadEmojiDataset, type DataReader } from '../core/data/emoji';
import type { ExperimentConfig } from '../core/experiment/config';
import { byodSplits, emojiSplits, type ImageSplits } from '../core/experiment/prepare';
import type { GPT } from '../core/nn/gpt';
import type { VQVAE } from '../core/nn/vqvae';
import type { TextTokenizer } from '../core/tokenize/hf';
import { evaluateVQ } from '../core/vq/train';
import { byodTokenizerSteps, trainTokenizer } from '../core/vq/train-tokenizer';
import { UsageError, dirSource } from './common';
import { loadByod } from './data/datasets';
import { decodePngNode } from './image-decode';
import { DEFAULT_MODELS } from './resume-args';
import { lmHeldoutFromProvenance, type LmHeldout } from '../core/experiment/lm-strength';

/** The non-setup flags of the experiment commands, with their defaults. */
export const EXPERIMENT_OPTIONS = {
  out: { type: 'string' },
  dataset: { type: 'string' },
  backend: { type: 'string', default: 'wasm' },
  lm: { type: 'string', default: DEFAULT_MODELS.lm },
  vq: { type: 'string', default: DEFAULT_MODELS.vq },
  'train-vq': { type: 'boolean', default: false },
} as const;

export const EXPERIMENT_USAGE = '[--dataset PATH] [--backend wasm|cpu|webgpu] [--lm DIR] [--vq DIR]';

export interface LoadedInputs {
  lm: GPT;
  tokenizer: TextTokenizer;
  vq: VQVAE;
  images: ImageSplits;
  /** The shipped emoji's codes for this VQ tokenizer, or null (the images are encoded). */
  codes: Int32Array | null;
  /** The VQ tokenizer's key (SHA-256 of its weights and architecture), or null when it was trained here (--train-vq). */
  vqKey: string | null;
  /** The LM's held-out figures from its tabula.json (lm-strength.ts), for the report's meta.lmHeldout; null when none. */
  lmHeldout: LmHeldout | null;
}

/**
 * Load the LM (`lm`, a GPT-2-layout folder), its tokenizer, the VQ tokenizer (`vq`) and the images (`dataset`, else
 * the shipped emoji through `read`). `trainVq` trains a tokenizer of the shipped architecture on the dataset instead;
 * `shippedCodes` looks up the emoji's pre-computed codes. Throws UsageError naming a missing LM folder.
 */
export async function loadInputs(
  a: { lm: string; vq: string; dataset?: string; trainVq: boolean },
  cfg: ExperimentConfig,
  o: { name: string; read: DataReader; shippedCodes: boolean; log: (s: string) => void },
): Promise<LoadedInputs> {
  const lmSrc = await dirSource(a.lm).catch(() => {
    throw new UsageError(
      `${a.lm}: no pre-trained LM there; run npm run pretrain (or pass --lm DIR with a GPT-2-layout checkpoint)`,
    );
  });
  const { model: lm, tabula } = await loadGPT2(lmSrc, `${o.name}-lm`);
  const tokenizer = await checkpointTokenizer(lmSrc, undefined, lm.config.vocabSize);
  const loaded = await loadVQWithKey(await dirSource(a.vq));
  let vq = loaded.model;
  let codes: Int32Array | null = null;
  let images: ImageSplits;
  if (a.dataset) {
    images = byodSplits(await loadByod(a.dataset));
    if (a.trainVq) {
      // A tokenizer of the shipped architecture, trained on these images (the train-vq loop, fewer steps).
      const config = { ...vq.config };
      vq.dispose();
      const imgs = new DeviceImages(images.train, images.trainCount, config.imageSize);
      const trained = await trainTokenizer(config, imgs, {
        train: { steps: byodTokenizerSteps(images.trainCount) },
        readEvery: Number.POSITIVE_INFINITY,
      });
      vq = trained.model;
      const m = await evaluateVQ(vq, imgs);
      o.log(
        `trained a VQ tokenizer on ${images.trainCount} images for ${trained.steps} steps: PSNR ${m.psnr.toFixed(2)} dB, code usage ${(100 * m.code_usage).toFixed(1)}%`,
      );
      imgs.dispose();
    }
  } else {
    images = emojiSplits(await loadEmojiDataset(o.read, decodePngNode, 'twemoji'), cfg);
    if (o.shippedCodes) {
      const shipped = await shippedEmojiCodes(o.read, 'twemoji', loaded.key, vq.config.codebookSize);
      if (shipped.codes) codes = shipped.codes;
      else o.log(`encoding every image: ${shipped.why}`);
    }
  }
  const lmHeldout = lmHeldoutFromProvenance(tabula?.provenance);
  return { lm, tokenizer, vq, images, codes, vqKey: a.trainVq ? null : loaded.key, lmHeldout };
}
