/**
 * The train-step benchmark (the bench contract): one GPT train step — forward, per-position NLL, mean loss, backward,
 * AdamW update — timed exactly as the experiment runs it, on synthetic batches, with the backend's own matmul rate
 * beside it. Shared by `npm run bench` (Node) and the page's benchmark (Chromium), so both report the same fields.
 *
 * Method (as the npm tfjs GPT peer harness, shared/peer-bench): `warmup` untimed steps, then `steps` timed steps,
 * each synchronised on the loss value (`await loss.data()`); the figure is the median. Tokens per step = batch ×
 * context (every position the model reads). Model FLOPs per token follow nanoGPT's `estimate_mfu`: 6·N + 12·L·d·T,
 * N the parameters without the position table (the tied token table counts: it is the head's matmul). MFU here is
 * model FLOP/s ÷ the backend's own square-matmul FLOP/s (max of 512³ and 1024³, median of 5), measured in the same
 * process just before: a fraction of what this backend can do, not of a datasheet peak.
 */
import * as tf from './tf';
import { GPT, type GPTConfig } from './nn/gpt';
import { AdamW, DEFAULT_ADAMW } from './nn/optim';
import { trainStep } from './nn/train';
import { Rng } from './nn/init';
import { gpuCountsNow, gpuCountsSince, installGpuCounters, type GpuCounts } from './gpu-counts';

export interface BenchConfig {
  layers: number;
  embd: number;
  heads: number;
  vocab: number;
  /** Context length T: ids per row. */
  context: number;
  batch: number;
  /** Untimed steps first (kernel compilation, first allocations, optimizer state). */
  warmup: number;
  /** Timed steps; the median is reported. */
  steps: number;
  /** Seed of the synthetic ids and the weights. */
  seed: number;
}

export const DEFAULT_BENCH: BenchConfig = {
  layers: 4,
  embd: 128,
  heads: 4,
  vocab: 1024,
  context: 96,
  batch: 16,
  warmup: 3,
  steps: 10,
  seed: 1234,
};

/** One line of the bench contract (snake_case, stable: other tools read it). */
export interface BenchResult {
  backend: string;
  config: Omit<BenchConfig, 'seed'>;
  /** Trainable parameters (every tensor the optimizer updates). */
  params: number;
  /** 6·N + 12·L·d·T. */
  flops_per_token: number;
  /** Median wall time of a timed step, ms. */
  ms_per_step: number;
  /** batch × context / median step time. */
  tokens_per_s: number;
  /** flops_per_token × tokens_per_s / 1e9. */
  model_gflops: number;
  /** The backend's own square-matmul GFLOP/s (max over sizes). */
  matmul_gflops: number;
  /** Per size: GFLOP/s of an n³ matmul. */
  matmul: Record<string, number>;
  /** model_gflops / matmul_gflops. */
  mfu: number;
  /** tf.memory().numTensors after warm-up and after the timed steps (a leak check: they should be equal). */
  tensors_before: number;
  tensors_after: number;
  /** Loss of the first warm-up step and of the last timed step (the same batch every step: it must fall). */
  loss_first: number;
  loss_last: number;
  /** Every timed step, ms. */
  step_ms: number[];
  /** WebGPU compute dispatches in the last timed step (counted at the API, gpu-counts.ts; 0 on other backends). */
  dispatches_per_step: number;
  /** GPU→CPU read-backs (mapAsync) in the last timed step, the loss read that ends the step included. */
  readbacks_per_step: number;
  /** Bytes those read-backs mapped. */
  readback_bytes_per_step: number;
  /** CPU→GPU uploads (writeBuffer calls and buffers created with data) in the last timed step. */
  uploads_per_step: number;
  /** Bytes those uploads carried. */
  upload_bytes_per_step: number;
  /** How the counts were taken: at the WebGPU API, or why they are 0. */
  gpu_counts: string;
}

/** The per-step WebGPU counts as bench fields, with a sentence on how they were taken. */
export function gpuCountFields(
  c: GpuCounts,
  counting: boolean,
  backend: string,
): Pick<
  BenchResult,
  | 'dispatches_per_step'
  | 'readbacks_per_step'
  | 'readback_bytes_per_step'
  | 'uploads_per_step'
  | 'upload_bytes_per_step'
  | 'gpu_counts'
> {
  return {
    dispatches_per_step: c.dispatches,
    readbacks_per_step: c.readbacks,
    readback_bytes_per_step: c.readback_bytes,
    uploads_per_step: c.uploads,
    upload_bytes_per_step: c.upload_bytes,
    gpu_counts:
      backend === 'webgpu'
        ? counting
          ? 'counted at the WebGPU API (dispatchWorkgroups, mapAsync, writeBuffer, createBuffer mappedAtCreation)'
          : 'not counted: no WebGPU classes in the global scope to wrap'
        : `0: the ${backend} backend makes no WebGPU calls`,
  };
}

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** GFLOP/s of a plain n×n·n×n float32 matMul on the current backend: median of `reps` runs, each synchronised. */
export async function matmulGflops(n: number, reps = 5): Promise<number> {
  const [a, b] = tf.tidy(() => [
    tf.randomUniform([n, n], -1, 1, 'float32', 1),
    tf.randomUniform([n, n], -1, 1, 'float32', 2),
  ]);
  const once = async () => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    return performance.now() - t0;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  tf.dispose([a, b]);
  return (2 * n ** 3) / (median(times) / 1000) / 1e9;
}

/** The GPT config a bench config describes (tied head, GPT-2 init and LayerNorm epsilon). */
export function benchGptConfig(c: BenchConfig): GPTConfig {
  return {
    vocabSize: c.vocab,
    nPositions: c.context,
    nEmbd: c.embd,
    nLayer: c.layers,
    nHead: c.heads,
    layerNormEps: 1e-5,
    tieEmbeddings: true,
    initStd: 0.02,
  };
}

/** Seeded synthetic ids [batch, context], uniform over the vocabulary. */
export function benchIds(c: BenchConfig): Int32Array {
  const rng = new Rng(c.seed);
  return Int32Array.from({ length: c.batch * c.context }, () => rng.int(c.vocab));
}

/**
 * Time the train step of `c` on the current backend (call after the backend is initialised). `matmulSizes` are the
 * square products measured for the reference rate. Throws when the loss is not finite (a broken backend).
 */
export async function benchTrainStep(c: BenchConfig, matmulSizes = [512, 1024]): Promise<BenchResult> {
  if (c.steps < 1 || c.warmup < 1) throw new Error('bench: need at least one warm-up and one timed step');
  const matmul: Record<string, number> = {};
  for (const n of matmulSizes) matmul[String(n)] = await matmulGflops(n);
  const peak = Math.max(...Object.values(matmul));
  const counting = tf.getBackend() === 'webgpu' && installGpuCounters();

  const model = new GPT(benchGptConfig(c), c.seed, `bench-${Math.random().toString(36).slice(2, 8)}`);
  const opt = new AdamW(model.params, { ...DEFAULT_ADAMW, warmupSteps: 0 });
  const ids = tf.tensor2d(benchIds(c), [c.batch, c.context], 'int32');
  const step = async () => {
    const t0 = performance.now();
    const r = trainStep(opt, () => tf.mean(model.nll(ids)) as tf.Scalar);
    const loss = (await r.loss.data())[0];
    const ms = performance.now() - t0;
    tf.dispose([r.loss, r.gradNorm]);
    if (!Number.isFinite(loss)) throw new Error(`bench: the loss became ${loss} on ${tf.getBackend()}`);
    return { ms, loss };
  };
  try {
    let lossFirst = NaN;
    for (let i = 0; i < c.warmup; i++) {
      const { loss } = await step();
      if (i === 0) lossFirst = loss;
    }
    const before = tf.memory().numTensors;
    const times: number[] = [];
    let lossLast = NaN;
    let counts = gpuCountsSince(gpuCountsNow());
    for (let i = 0; i < c.steps; i++) {
      const at = gpuCountsNow();
      const r = await step();
      counts = gpuCountsSince(at);
      times.push(r.ms);
      lossLast = r.loss;
    }
    const after = tf.memory().numTensors;
    const ms = median(times);
    const tokensPerS = (c.batch * c.context) / (ms / 1000);
    const flops = model.flopsPerToken(c.context);
    const modelGflops = (flops * tokensPerS) / 1e9;
    const { seed: _seed, ...config } = c;
    return {
      backend: tf.getBackend(),
      config,
      params: model.numParams(),
      flops_per_token: flops,
      ms_per_step: ms,
      tokens_per_s: tokensPerS,
      model_gflops: modelGflops,
      matmul_gflops: peak,
      matmul,
      mfu: modelGflops / peak,
      tensors_before: before,
      tensors_after: after,
      loss_first: lossFirst,
      loss_last: lossLast,
      step_ms: times,
      ...gpuCountFields(counts, counting, tf.getBackend()),
    };
  } finally {
    ids.dispose();
    opt.dispose();
    model.dispose();
  }
}

/** Per-kernel time of one train step (tf.profile), summed by kernel name, largest first. Composite scopes excluded. */
export async function profileTrainStep(
  c: BenchConfig,
  top = 25,
): Promise<{ kernel: string; ms: number; calls: number }[]> {
  const model = new GPT(benchGptConfig(c), c.seed, `bench-prof-${Math.random().toString(36).slice(2, 8)}`);
  const opt = new AdamW(model.params, { ...DEFAULT_ADAMW, warmupSteps: 0 });
  const ids = tf.tensor2d(benchIds(c), [c.batch, c.context], 'int32');
  const step = async () => {
    const r = trainStep(opt, () => tf.mean(model.nll(ids)) as tf.Scalar);
    await r.loss.data();
    tf.dispose([r.loss, r.gradNorm]);
  };
  try {
    for (let i = 0; i < c.warmup; i++) await step();
    const info = await tf.profile(step);
    const by = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      if (k.name === 'unnamed scope') continue; // customGrad wrappers: their kernels are listed on their own
      const e = by.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += Number(k.kernelTimeMs) || 0;
      e.calls += 1;
      by.set(k.name, e);
    }
    return [...by]
      .map(([kernel, e]) => ({ kernel, ...e }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top);
  } finally {
    ids.dispose();
    opt.dispose();
    model.dispose();
  }
}

/**
 * Sampling time of `prompts` rows of `promptLength` ids each extended by `newIds` ids (the experiment's live samples:
 * a caption prompt, then the image tokens), with and without the key/value cache; median of `reps`, ms.
 */
export async function benchSampling(
  c: BenchConfig,
  prompts = 4,
  promptLength = 31,
  newIds = 64,
  reps = 3,
): Promise<{ sample_ms_cached: number; sample_ms_uncached: number; sample_ids: number }> {
  const model = new GPT(
    benchGptConfig({ ...c, context: Math.max(c.context, promptLength + newIds) }),
    c.seed,
    `bench-sample-${Math.random().toString(36).slice(2, 8)}`,
  );
  const ids = Array.from(benchIds({ ...c, batch: prompts, context: promptLength }));
  const rows = Array.from({ length: prompts }, (_, b) => ids.slice(b * promptLength, (b + 1) * promptLength));
  const time = async (cache: boolean) => {
    const ts: number[] = [];
    for (let r = 0; r <= reps; r++) {
      const t0 = performance.now();
      await model.generate(rows, newIds, { temperature: 1, topK: 0, seed: r, cache });
      if (r > 0) ts.push(performance.now() - t0); // the first run warms up
    }
    return median(ts);
  };
  try {
    return { sample_ms_cached: await time(true), sample_ms_uncached: await time(false), sample_ids: prompts * newIds };
  } finally {
    model.dispose();
  }
}
