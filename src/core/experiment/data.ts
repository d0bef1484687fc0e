/**
 * The experiment's data, prepared once and shared by every arm: image codes from the VQ tokenizer, captions as
 * text ids at the chosen level, the sequence layouts, and the English token streams (Austen for pretrained-mix,
 * Persuasion and Moby-Dick for measuring forgetting).
 */
import * as tf from '../tf';
import type { DeviceImages } from '../data/images';
import type { VQVAE } from '../nn/vqvae';
import { buildSequence, type SequenceSpec } from '../data/sequences';
import type { VocabPlan } from './extend';

export interface Split {
  /** [n × imageTokens] VQ codes. */
  codes: Int32Array;
  /** Caption text ids per image. */
  captions: number[][];
  /** Caption text per image (for samples and reports). */
  text: string[];
  count: number;
  /** The emoji concept of each image (skin-tone variants share it; captions.ts); absent for bring-your-own data. */
  concepts?: number[];
}

export interface ExperimentData {
  plan: VocabPlan;
  imageTokens: number;
  train: Split;
  val: Split;
  /** Ordinary English: pre-training text (for the mix arm), held-out in-domain and out-of-domain. */
  english: { train: Int32Array; heldout: number[]; ood: number[] };
}

/** All images' VQ codes, [n × g²] int32, encoded in batches on the device; `onBatch(done, total)` after each batch. */
export async function encodeImages(
  vq: VQVAE,
  images: DeviceImages,
  batch = 256,
  onBatch?: (done: number, total: number) => void,
): Promise<Int32Array> {
  const g = vq.grid;
  const out = new Int32Array(images.count * g * g);
  for (let start = 0; start < images.count; start += batch) {
    const pos = [...Array(Math.min(batch, images.count - start)).keys()].map((i) => i + start);
    const ids = tf.tidy(() => vq.encode(images.batch(pos)));
    out.set((await ids.data()) as Int32Array, start * g * g);
    ids.dispose();
    onBatch?.(start + pos.length, images.count);
  }
  return out;
}

export function sequenceSpec(data: ExperimentData, captionBudget: number, imageOnly: boolean): SequenceSpec {
  const { plan } = data;
  return {
    captionBudget,
    imageTokens: data.imageTokens,
    imageOffset: plan.imageOffset,
    imageCodes: plan.imageCodes,
    special: plan.special,
    imageOnly,
  };
}

export function codesOf(split: Split, index: number, imageTokens: number): number[] {
  return Array.from(split.codes.subarray(index * imageTokens, (index + 1) * imageTokens));
}

/**
 * --tokens as steps: the budget ÷ (batch × trained tokens per sequence, i.e. the loss mask's sum averaged over the
 * training captions), at least 1. Shared by `npm run replicate` and `npm run export`.
 */
export function stepsForTokens(
  data: ExperimentData,
  cfg: { captionBudget: number; batchSize: number },
  tokens: number,
): { steps: number; perSequence: number } {
  const spec = sequenceSpec(data, cfg.captionBudget, false);
  const perSequence =
    data.train.captions.reduce(
      (s, c, i) => s + buildSequence(spec, c, codesOf(data.train, i, data.imageTokens)).loss.reduce((x, y) => x + y, 0),
      0,
    ) / data.train.count;
  return { steps: Math.max(1, Math.round(tokens / (cfg.batchSize * perSequence))), perSequence };
}
