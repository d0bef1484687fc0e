/**
 * How much memory an experiment setup needs, estimated before anything is allocated, and how much the backend can
 * give — so a setup too big is refused with its estimate instead of failing mid-allocation. Pure arithmetic (no tfjs):
 * the page shows it beside the setup, and the worker checks it after reading the LM's config and before building
 * any run.
 *
 * The model: every run (arm × seed) keeps its weights and AdamW's two moments (3 × parameters, float32); one step at
 * a time adds the parameters' gradients and what tfjs's tape holds at the peak of the backward pass; the images are
 * held as float pixels while being turned into codes; the pre-trained LM stays loaded. The tape's peak per position
 * was measured (tf.profile's peakBytes for one training step, tfjs 4.22, cpu and wasm alike, with the project's fused
 * attention, GELU, LayerNorm and cross-entropy) over seven shapes of the GPT (vocabulary 1,000, 2,564 and 5,128, width
 * 64 and 128, 2 and 4 layers, 4 and 8 heads, 47 to 95 ids) and fitted by least squares:
 * L·(139·d + 6·H·T) + 4·V + 129·d floats, from 7% under to 12% over each measurement (tests/unit/memory.test.ts
 * compares the estimate with tfjs's own peak for one more shape).
 */
import type { ExperimentConfig } from './config';

/** The LM's shape, as config.json gives it. */
export interface LmShape {
  vocabSize: number;
  nPositions: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  tieEmbeddings: boolean;
}

/** The data's shape: how many images of which size, and the image tokenizer's grid and codebook. */
export interface DataShape {
  trainImages: number;
  valImages: number;
  imageSize: number;
  imageTokens: number;
  imageCodes: number;
}

export const BYTES_PER_FLOAT = 4;
/** Peak floats per position (measured, see above): per layer and unit of width d. */
export const LAYER_FLOATS = 139;
/** … per layer, head and attended position (the attention scores and their gradients). */
export const ATTENTION_FLOATS = 6;
/** … per vocabulary id (the logits, their softmax and gradients; the embedding is gathered, not one-hot). */
export const VOCAB_FLOATS = 4;
/** … per unit of width outside the layers (embeddings, final LayerNorm). */
export const EMBED_FLOATS = 129;
/** Ids the experiment appends after the text vocabulary besides the image codes (at most <|bos|>, <|boi|>, <|eoi|>, <|pad|>). */
export const MAX_APPENDED_SPECIALS = 4;

/** Parameters of a GPT-2-layout model with vocabulary V: wte, wpe, per layer 12d² + 13d, ln_f, and lm_head when untied. */
export function gptParams(V: number, s: Pick<LmShape, 'nPositions' | 'nEmbd' | 'nLayer' | 'tieEmbeddings'>): number {
  const d = s.nEmbd;
  return V * d + s.nPositions * d + s.nLayer * (12 * d * d + 13 * d) + 2 * d + (s.tieEmbeddings ? 0 : V * d);
}

export interface MemoryEstimate {
  /** Bytes in all. */
  total: number;
  /** Weights and AdamW moments of every run. */
  runs: number;
  /** One training step: the parameters' gradients and the tape's peak. */
  step: number;
  /** Images as float pixels, and the pre-trained LM. */
  data: number;
  lm: number;
  /** The largest single tensor: the logits or the attention scores of a batch. */
  largestTensor: number;
  /** Parameters of one run (the LM with the image ids appended). */
  params: number;
  /** Ids per training sequence. */
  sequence: number;
}

/** The estimate for `cfg` fine-tuning an LM of shape `lm` on data of shape `data` (bytes; see the module comment). */
export function estimateMemory(
  cfg: Pick<ExperimentConfig, 'arms' | 'seeds' | 'batchSize' | 'captionBudget'>,
  lm: LmShape,
  data: DataShape,
): MemoryEstimate {
  const V = lm.vocabSize + MAX_APPENDED_SPECIALS + data.imageCodes;
  const T = cfg.captionBudget + data.imageTokens + 3;
  const params = gptParams(V, lm);
  const runs = cfg.arms.length * cfg.seeds * 3 * params * BYTES_PER_FLOAT;
  const positions = cfg.batchSize * T;
  const perPosition =
    lm.nLayer * (LAYER_FLOATS * lm.nEmbd + ATTENTION_FLOATS * lm.nHead * T) +
    VOCAB_FLOATS * V +
    EMBED_FLOATS * lm.nEmbd;
  const step = (params + positions * perPosition) * BYTES_PER_FLOAT;
  const imageData = (data.trainImages + data.valImages) * data.imageSize * data.imageSize * 3 * BYTES_PER_FLOAT;
  const lmBytes = gptParams(lm.vocabSize, lm) * BYTES_PER_FLOAT;
  const largestTensor = Math.max(positions * V, cfg.batchSize * lm.nHead * T * T) * BYTES_PER_FLOAT;
  return {
    total: runs + step + imageData + lmBytes,
    runs,
    step,
    data: imageData,
    lm: lmBytes,
    largestTensor,
    params,
    sequence: T,
  };
}

/** What the backend can hold: bytes in all, and (WebGPU) the largest buffer; why, in words. */
export interface MemoryLimit {
  bytes: number;
  largestTensor: number | null;
  why: string;
}

/** The wasm backend's heap ceiling: tfjs builds it with a 4 GiB maximum (wasm32), less one 64 KiB page. */
export const WASM_HEAP_MAX = 4294901760;

/**
 * The limit on `backend`: wasm's heap ceiling; otherwise the device's memory as the browser reports it
 * (navigator.deviceMemory, GiB, rounded down by the browser) — a GPU's own memory is not exposed, and on most laptops
 * the GPU shares it — with WebGPU's maxBufferSize for the largest tensor. Null when nothing is known.
 */
export function memoryLimit(
  backend: string,
  deviceMemoryGiB: number | null,
  maxBufferSize: number | null,
): MemoryLimit | null {
  const device = deviceMemoryGiB && deviceMemoryGiB > 0 ? deviceMemoryGiB * 2 ** 30 : null;
  if (backend === 'wasm') {
    const bytes = device ? Math.min(WASM_HEAP_MAX, device) : WASM_HEAP_MAX;
    return {
      bytes,
      largestTensor: null,
      why:
        bytes === WASM_HEAP_MAX
          ? 'the wasm heap holds at most 4 GB'
          : `this device reports ${deviceMemoryGiB} GB of memory`,
    };
  }
  if (!device && !maxBufferSize) return null;
  return {
    bytes: device ?? Infinity,
    largestTensor: backend === 'webgpu' ? maxBufferSize : null,
    why: device ? `this device reports ${deviceMemoryGiB} GB of memory` : 'the GPU limits single buffers',
  };
}

const gb = (b: number) =>
  b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GB` : `${Math.max(1, Math.round(b / 2 ** 20))} MB`;

/**
 * Null when the setup fits; else a message with the estimate, the limit and what to lower. `backend` names the
 * backend in the message.
 */
export function memoryRefusal(
  e: MemoryEstimate,
  limit: MemoryLimit | null,
  backend: string,
  cfg: Pick<ExperimentConfig, 'arms' | 'seeds' | 'batchSize'>,
): string | null {
  if (!limit) return null;
  const parts = `${cfg.arms.length * cfg.seeds} runs × ${gb(e.runs / (cfg.arms.length * cfg.seeds))} of weights and optimizer state, ${gb(e.step)} for one training step on a batch of ${cfg.batchSize} × ${e.sequence} ids, ${gb(e.data + e.lm)} of images and the LM`;
  if (e.total > limit.bytes)
    return `this setup needs about ${gb(e.total)} (${parts}), but ${backend} can use ${gb(limit.bytes)} (${limit.why}): lower the batch size, the caption budget, the seeds or the arms`;
  if (limit.largestTensor !== null && e.largestTensor > limit.largestTensor)
    return `one tensor of this setup (the logits or attention scores of a batch) needs ${gb(e.largestTensor)}, more than the GPU's largest buffer (${gb(limit.largestTensor)}): lower the batch size or the caption budget`;
  return null;
}

/** The estimate in words, for the setup: "about 120 MB of the 4.0 GB wasm can use". */
export function memoryLine(e: MemoryEstimate, limit: MemoryLimit | null, backend: string): string {
  return limit && Number.isFinite(limit.bytes)
    ? `about ${gb(e.total)} of the ${gb(limit.bytes)} ${backend} can use`
    : `about ${gb(e.total)}`;
}
