// Runs in Chromium, served by a Vite dev server (tests/e2e/webgpu-norm.test.ts): the WGSL LayerNorm, GELU and
// cross-entropy of src/core/nn/webgpu-norm.ts, reached through ops.ts on tfjs's WebGPU backend (SwiftShader here),
// against the same ops.ts functions on the cpu backend (tfjs's op chains): values and gradients through the
// customGrad, the dispatches of a forward and of a forward+backward, the tensor count; and GPT train steps on webgpu
// against cpu. Returns the largest differences and counts; the test decides.
// tfjs-core first: unbundled, tf.ts's gradient registrations would otherwise run before tfjs-core registers its flags.
import '@tensorflow/tfjs-core';
import * as tf from '../../../src/core/tf';
import '@tensorflow/tfjs-backend-webgpu';
import { crossEntropy, gelu, layerNorm } from '../../../src/core/nn/ops';
import { webgpuKernelsWork } from '../../../src/core/nn/webgpu-adamw';
import { GPT } from '../../../src/core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../../../src/core/nn/optim';
import { readStep, trainStep } from '../../../src/core/nn/train';
import { gpuCountsNow, gpuCountsSince, installGpuCounters } from '../../../src/core/gpu-counts';

type Result = Record<string, number | boolean | string>;

/**
 * Deterministic values in [-scale, scale], made ON the active backend from a range (SwiftShader's WebGPU refused
 * tfjs's mapped upload buffers of a few kB on a page; made on the device, nothing depends on uploads), read back by
 * data() (dataSync reads zeros there) so the cpu run gets the same numbers.
 */
async function values(shape: number[], seed: number, scale = 1): Promise<{ t: tf.Tensor; raw: Float32Array }> {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = tf.tidy(() =>
    tf.reshape(tf.mul(tf.sin(tf.add(tf.mul(tf.range(0, n, 1, 'float32'), 0.7 + 0.13 * seed), seed)), scale), shape),
  );
  return { t, raw: (await t.data()).slice() as Float32Array };
}

/** Largest |a − b| over max(1, largest |b|): float32 noise relative to the values' size. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let m = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return Number.isNaN(d) ? Infinity : d / m;
}

function smallestSpread(list: ArrayLike<number>[]): number {
  // The smallest largest-|value| among the outputs: a kernel that wrote zeros would make the comparison trivial.
  return Math.min(...list.map((a) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
}

interface Case {
  /** Input shapes and scales; the first input of each case is the one the gradient's dy matches. */
  inputs: { shape: number[]; scale: number }[];
  /** Extra int32 input made from the shapes (targets), or none. */
  ints?: (backend: string) => tf.Tensor;
  /** The forward, given the float inputs and the int input. */
  fn: (xs: tf.Tensor[], ints?: tf.Tensor) => tf.Tensor;
  /** Which float inputs get gradients. */
  wrt: number[];
  dyShape: number[];
}

/**
 * Forward values and gradients (tf.grads with a given dy) of one case on the current backend, with the dispatches
 * of the forward alone and of forward+backward, and the tensor count change (outputs freed).
 */
async function runCase(c: Case, backend: string, raws: Float32Array[] | null) {
  await tf.setBackend(backend);
  const made: tf.Tensor[] = [];
  const rawOut: Float32Array[] = [];
  for (const [k, inp] of [...c.inputs, { shape: c.dyShape, scale: 1 }].entries()) {
    if (raws) made.push(tf.tensor(raws[k], inp.shape));
    else {
      const v = await values(inp.shape, 3 + k, inp.scale);
      made.push(v.t);
      rawOut.push(v.raw);
    }
  }
  const ints = c.ints?.(backend);
  if (ints) await ints.data();
  const dy = made[made.length - 1];
  const xs = made.slice(0, -1);
  const before = tf.memory().numTensors;
  const at = gpuCountsNow();
  const y = tf.tidy(() => c.fn(xs, ints));
  const forward = gpuCountsSince(at).dispatches;
  const at2 = gpuCountsNow();
  const grads = tf.grads((...ws: tf.Tensor[]) =>
    c.fn(
      xs.map((x, i) => (c.wrt.includes(i) ? ws[c.wrt.indexOf(i)] : x)),
      ints,
    ),
  )(
    c.wrt.map((i) => xs[i]),
    dy,
  );
  const both = gpuCountsSince(at2).dispatches;
  const outs = [y, ...grads];
  const data = await Promise.all(outs.map(async (t) => (await t.data()).slice() as Float32Array));
  tf.dispose(outs);
  const grew = tf.memory().numTensors - before;
  tf.dispose([...made, ...(ints ? [ints] : [])]);
  return { data, raws: rawOut, forward, both, grew };
}

/** One case on webgpu (inputs made on the device) and on cpu (the same numbers uploaded). */
async function compare(
  c: Case,
): Promise<{ diff: number; spread: number; forward: number; both: number; grew: number }> {
  const gpu = await runCase(c, 'webgpu', null);
  const cpu = await runCase(c, 'cpu', gpu.raws);
  await tf.setBackend('webgpu');
  const diff = Math.max(...gpu.data.map((a, i) => relDiff(a, cpu.data[i])));
  return { diff, spread: smallestSpread(cpu.data), forward: gpu.forward, both: gpu.both, grew: gpu.grew + cpu.grew };
}

/** Fold the cases' results into one record: the worst difference, the largest counts. */
async function check(cases: Case[]): Promise<Result> {
  await tf.setBackend('webgpu');
  await tf.ready();
  const counting = installGpuCounters();
  const r = { diff: 0, spread: Infinity, forward: 0, both: 0, grew: 0 };
  for (const c of cases) {
    const one = await compare(c);
    r.diff = Math.max(r.diff, one.diff);
    r.spread = Math.min(r.spread, one.spread);
    r.forward = Math.max(r.forward, one.forward);
    r.both = Math.max(r.both, one.both);
    r.grew = Math.max(r.grew, Math.abs(one.grew));
  }
  return { ...r, counting, gpu: webgpuKernelsWork(), backend: tf.getBackend() };
}

/** LayerNorm [R, C] (rows not a multiple of 16, C 48 / 128 / 32 / 20, a rank-3 input): y, dx, dgain, dbias. */
export function layerNormCheck(): Promise<Result> {
  const cases = [
    [37, 48],
    [70, 128],
    [5, 32],
    [1100, 20], // more than the column sums' 1024-row blocks
  ].map(([R, C]): Case => ({
    inputs: [
      { shape: [R, C], scale: 2 },
      { shape: [C], scale: 1 },
      { shape: [C], scale: 1 },
    ],
    fn: ([x, g, b]) => layerNorm(x, g, b, 1e-5),
    wrt: [0, 1, 2],
    dyShape: [R, C],
  }));
  cases.push({
    inputs: [
      { shape: [3, 7, 48], scale: 3 },
      { shape: [48], scale: 1 },
      { shape: [48], scale: 1 },
    ],
    fn: ([x, g, b]) => layerNorm(x, g, b, 1e-5),
    wrt: [0, 1, 2],
    dyShape: [3, 7, 48],
  });
  return check(cases);
}

/** GELU on [37, 192] (7104 values: not a multiple of the 128-lane workgroup) and a rank-3 [3, 5, 7]: y and dx. */
export function geluCheck(): Promise<Result> {
  return check(
    [
      [37, 192],
      [3, 5, 7],
    ].map((shape) => ({
      inputs: [{ shape, scale: 4 }],
      fn: ([x]) => gelu(x),
      wrt: [0],
      dyShape: shape,
    })),
  );
}

/** Cross-entropy on [R, V] = [37, 64], [70, 1024], [5, 64] with logits up to ±40, and [66000, 3]: NLL and dlogits. */
export function crossEntropyCheck(): Promise<Result> {
  return check(
    [
      [37, 64, 6],
      [70, 1024, 6],
      [5, 64, 40],
      [66000, 3, 2], // more rows than one dispatch dimension holds (65535): the backend folds them into y
    ].map(([R, V, scale]) => ({
      inputs: [{ shape: [R, V], scale }],
      // Targets (7·i mod V), made on the device on webgpu like the floats; small enough to upload on cpu.
      ints: () => tf.tidy(() => tf.cast(tf.mod(tf.mul(tf.range(0, R, 1, 'int32'), 7), V), 'int32')),
      fn: ([z], t) => crossEntropy(z as tf.Tensor2D, t as tf.Tensor1D),
      wrt: [0],
      dyShape: [R],
    })),
  );
}

/**
 * Three GPT train steps (AdamW, clipping) on webgpu, whose LayerNorm, GELU and loss take the WGSL kernels, and on
 * cpu (tfjs chains) from the same seed: the largest relative differences of the losses, the gradient norms and the
 * final LayerNorm gains and biases (whose gradients the column-sum kernels compute).
 */
export async function gptStepCheck(): Promise<Result> {
  const config = {
    vocabSize: 29,
    nPositions: 8,
    nEmbd: 24,
    nLayer: 2,
    nHead: 4,
    layerNormEps: 1e-5,
    tieEmbeddings: true,
    initStd: 0.2,
  };
  const ids = [
    [3, 1, 4, 1, 5, 9, 2, 6],
    [2, 7, 1, 8, 2, 8, 1, 8],
    [1, 4, 1, 4, 2, 1, 3, 5],
  ];
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const model = new GPT(config, 7, `norm-${backend}`);
    const opt = new AdamW(model.params, { ...DEFAULT_ADAMW, lr: 1e-2, warmupSteps: 0 });
    const idsT = tf.tensor2d(ids, [3, 8], 'int32');
    const ln = [...model.params].filter(([n]) => n.includes('ln_')).map(([, v]) => v);
    const init = await Promise.all(ln.map(async (v) => (await v.data()).slice()));
    const losses: number[] = [];
    const norms: number[] = [];
    for (let step = 0; step < 3; step++) {
      const r = await readStep(trainStep(opt, () => tf.mean(model.nll(idsT)) as tf.Scalar));
      losses.push(r.loss);
      norms.push(r.gradNorm);
    }
    const weights = await Promise.all(ln.map(async (v) => (await v.data()).slice()));
    const moved = Math.max(...weights.map((w, i) => relDiff(w, init[i])));
    idsT.dispose();
    opt.dispose();
    model.dispose();
    return { losses, norms, weights, moved };
  };
  const gpuRun = await run('webgpu');
  const gpu = webgpuKernelsWork();
  const cpuRun = await run('cpu');
  const rel = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));
  const weights = Math.max(...gpuRun.weights.map((w, i) => relDiff(w, cpuRun.weights[i])));
  return {
    gpu,
    losses: rel(gpuRun.losses, cpuRun.losses),
    norms: rel(gpuRun.norms, cpuRun.norms),
    weights,
    moved: cpuRun.moved,
    lossFirst: cpuRun.losses[0],
    lossLast: cpuRun.losses[2],
  };
}
