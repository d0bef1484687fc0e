// Runs in Chromium, served by a Vite dev server (tests/e2e/webgpu-kernels.test.ts): the project's WGSL kernels on
// tfjs's WebGPU backend (SwiftShader here) against tfjs's own ops on the same backend and on the cpu backend. Returns
// the largest differences; the test decides.
// tfjs-core first: unbundled, tf.ts's gradient registrations would otherwise run before tfjs-core registers its flags.
import '@tensorflow/tfjs-core';
import * as tf from '../../../src/core/tf';
import '@tensorflow/tfjs-backend-webgpu';
import {
  adamwWebgpu,
  clipScaleWebgpu,
  sumSquaresManyWebgpu,
  sumSquaresWebgpu,
  webgpuKernelsWork,
} from '../../../src/core/nn/webgpu-adamw';
import { gpuCountsNow, gpuCountsSince, installGpuCounters } from '../../../src/core/gpu-counts';
import { AdamW, DEFAULT_ADAMW } from '../../../src/core/nn/optim';

/**
 * Deterministic values in [-scale, scale] ([0, scale] when positive), made ON the active backend from a range (on a
 * page, SwiftShader's WebGPU refused tfjs's mapped upload buffers of a few kB; made on the device, nothing depends
 * on uploads), read back by data() (dataSync reads zeros there) so the cpu run gets the same numbers.
 */
async function values(
  shape: number[],
  seed: number,
  scale = 1,
  positive = false,
): Promise<{ t: tf.Tensor; raw: Float32Array }> {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = tf.tidy(() => {
    const s = tf.mul(tf.sin(tf.add(tf.mul(tf.range(0, n, 1, 'float32'), 0.7 + 0.13 * seed), seed)), scale);
    return tf.reshape(positive ? tf.abs(s) : s, shape);
  });
  return { t, raw: (await t.data()).slice() as Float32Array };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return Number.isNaN(d) ? Infinity : d;
}

/** The optim.ts fallback chain in tfjs ops, on whatever backend is active. */
async function adamwOps(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  clip: number,
  s: Record<string, number>,
) {
  const out = tf.tidy(() => {
    const gc = tf.mul(g, clip);
    const m1 = tf.add(tf.mul(m, s.beta1), tf.mul(gc, 1 - s.beta1));
    const v1 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(gc), 1 - s.beta2));
    const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(s.bc2)), s.eps);
    const p1 = tf.sub(tf.mul(p, 1 - s.lr * s.wd), tf.mul(tf.div(m1, denom), s.lr / s.bc1));
    return [p1, m1, v1];
  });
  const read = await Promise.all(out.map((t) => t.data()));
  tf.dispose(out);
  return read;
}

export async function adamwCheck(): Promise<Record<string, number | boolean | string>> {
  await tf.setBackend('webgpu');
  await tf.ready();
  const gpu = webgpuKernelsWork();
  // A shape whose size is not a multiple of the workgroup (128), and a scalar-sized one.
  const shapes = [[37, 53], [1], [300]];
  const s = { lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, wd: 0.1, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.95 ** 3 };
  let vsOps = 0;
  let vsCpu = 0;
  let magnitude = 0;
  for (const [k, shape] of shapes.entries()) {
    const made = [
      await values(shape, 11 + k),
      await values(shape, 23 + k, 0.5),
      await values(shape, 31 + k, 0.1),
      await values(shape, 47 + k, 0.01, true),
    ];
    const raw = made.map((x) => x.raw);
    const make = () => raw.map((r) => tf.tensor(r, shape));
    const [p, g, m, v] = made.map((x) => x.t);
    const clip = tf.scalar(0.7);
    const outs = adamwWebgpu(p, g, m, v, clip, s);
    const fused = await Promise.all(outs.map((t) => t.data()));
    tf.dispose(outs);
    const ops = await adamwOps(p, g, m, v, 0.7, s);
    tf.dispose([p, g, m, v, clip]);
    await tf.setBackend('cpu');
    const [pc, gc, mc, vc] = make();
    const cpu = await adamwOps(pc, gc, mc, vc, 0.7, s);
    tf.dispose([pc, gc, mc, vc]);
    await tf.setBackend('webgpu');
    for (let i = 0; i < 3; i++) {
      vsOps = Math.max(vsOps, maxDiff(fused[i], ops[i]));
      vsCpu = Math.max(vsCpu, maxDiff(fused[i], cpu[i]));
      magnitude = Math.max(magnitude, maxDiff(fused[i], raw[i === 0 ? 0 : i + 1]));
    }
  }
  return { backend: tf.getBackend(), gpu, vsOps, vsCpu, magnitude };
}

/**
 * Three AdamW.apply steps (clipping on, decay and no-decay groups, a parameter without gradient in one step) on
 * webgpu, which takes the WGSL path, and on cpu, which takes the tfjs chain; returns the largest weight and pre-clip
 * norm differences, and the dispatches of webgpu's last update.
 */
export async function adamwStepCheck(): Promise<Record<string, number | boolean | string>> {
  // Seven parameters: two of WebGPU's packed moment groups (webgpu-adamw-packed.ts, five a group).
  const shapes: Record<string, number[]> = {
    'h.0.attn.weight': [24, 72],
    'h.0.attn.bias': [72],
    'ln_f.weight': [24],
    'h.1.mlp.weight': [24, 10],
    'h.1.mlp.bias': [10],
    'wte.weight': [13, 24],
    'h.1.ln_1.bias': [24],
  };
  // Initial weights and three steps' gradients, made on webgpu (see values) and read back for the cpu run.
  await tf.setBackend('webgpu');
  const list = Object.values(shapes);
  const init = await Promise.all(list.map((shape, k) => values(shape, 5 + k)));
  const gradsRaw = await Promise.all(
    [0, 1, 2].map((step) => Promise.all(list.map((shape, k) => values(shape, 10 * step + k, 2)))),
  );
  tf.dispose([...init.map((x) => x.t), ...gradsRaw.flat().map((x) => x.t)]);
  // webgpu remakes each tensor on the device (the same ops give the same values); cpu uploads the read-back copy.
  const tensor = async (backend: string, shape: number[], seed: number, scale: number, raw: Float32Array) =>
    backend === 'webgpu' ? (await values(shape, seed, scale)).t : tf.tensor(raw, shape);
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const tensorsBefore = tf.memory().numTensors;
    const params = new Map<string, tf.Variable>();
    for (const [k, [name, shape]] of Object.entries(shapes).entries()) {
      const t = await tensor(backend, shape, 5 + k, 1, init[k].raw);
      params.set(name, tf.variable(t, true, `${backend}-${name}`));
      t.dispose();
    }
    const opt = new AdamW(params, { ...DEFAULT_ADAMW, lr: 1e-2, warmupSteps: 2, clipNorm: 0.5 });
    const norms: number[] = [];
    let dispatches = 0;
    for (let step = 0; step < 3; step++) {
      const grads: tf.NamedTensorMap = {};
      for (const [k, [name, shape]] of Object.entries(shapes).entries()) {
        // No gradient for one parameter of each group in the middle step: AdamW skips it (moments and weights kept).
        if (step === 1 && (name === 'ln_f.weight' || name === 'h.1.ln_1.bias')) continue;
        grads[name] = await tensor(backend, shape, 10 * step + k, 2, gradsRaw[step][k].raw);
      }
      const at = gpuCountsNow();
      const norm = opt.apply(grads);
      norms.push((await norm.data())[0]);
      dispatches = gpuCountsSince(at).dispatches;
      tf.dispose([norm, ...Object.values(grads)]);
    }
    // Read by data(): dataSync (and so AdamW.getState) reads zeros from SwiftShader's WebGPU here.
    const weights = await Promise.all([...params.values()].map(async (p) => (await p.data()).slice()));
    opt.dispose();
    tf.dispose([...params.values()]);
    return { norms, weights, dispatches, leaked: tf.memory().numTensors - tensorsBefore };
  };
  installGpuCounters();
  const gpuRun = await run('webgpu');
  const gpu = webgpuKernelsWork();
  const cpuRun = await run('cpu');
  let weights = 0;
  let moved = 0;
  gpuRun.weights.forEach((w, i) => {
    weights = Math.max(weights, maxDiff(w, cpuRun.weights[i]));
    moved = Math.max(moved, maxDiff(w, init[i].raw));
  });
  return {
    gpu,
    weights,
    moved,
    norms: maxDiff(gpuRun.norms, cpuRun.norms),
    dispatches: gpuRun.dispatches,
    leaked: gpuRun.leaked,
  };
}

/**
 * Σx² by the WGSL reduction against tfjs's sum(square(x)) on webgpu and against a float64 sum of the read-back
 * values, for sizes below, at and well above the workgroup's 256 lanes. Returns the largest relative differences.
 */
export async function sumSquaresCheck(): Promise<Record<string, number | boolean | string>> {
  await tf.setBackend('webgpu');
  let vsOps = 0;
  let vsF64 = 0;
  let smallest = Infinity;
  for (const [k, n] of [1, 255, 256, 257, 5000, 70001].entries()) {
    const { t, raw } = await values([n], 3 + k, 1.5);
    const fused = await sumSquaresWebgpu(t).data();
    const ops = await tf.sum(tf.square(t)).data();
    let f64 = 0;
    for (const x of raw) f64 += x * x;
    tf.dispose(t);
    smallest = Math.min(smallest, f64);
    vsOps = Math.max(vsOps, Math.abs(fused[0] - ops[0]) / f64);
    vsF64 = Math.max(vsF64, Math.abs(fused[0] - f64) / f64);
  }
  return { gpu: webgpuKernelsWork(), vsOps, vsF64, smallest };
}

/**
 * Σx² over many tensors by the chained WGSL reduction (seven, then six plus the running total, per dispatch) against
 * a float64 sum of the read-back values, for 1, 7, 8, 13, 14 and 28 tensors of odd sizes; the dispatches each took
 * against ⌈(n − 1)/6⌉; and the clip scale program against min(1, c/(√Σ + 1e-6)) in float64.
 */
export async function sumSquaresManyCheck(): Promise<Record<string, number | boolean | string>> {
  await tf.setBackend('webgpu');
  const counting = installGpuCounters();
  let vsF64 = 0;
  let scaleVsF64 = 0;
  let smallest = Infinity;
  let wrongCounts = 0;
  for (const count of [1, 7, 8, 13, 14, 28]) {
    const made = await Promise.all(
      Array.from({ length: count }, (_, k) => values([5 + ((37 * k + count) % 300)], k + count, 0.5 + 0.05 * k)),
    );
    let f64 = 0;
    for (const { raw } of made) for (const x of raw) f64 += x * x;
    const at = gpuCountsNow();
    const total = sumSquaresManyWebgpu(made.map((x) => x.t));
    const got = (await total.data())[0];
    if (gpuCountsSince(at).dispatches !== Math.max(1, Math.ceil((count - 1) / 6))) wrongCounts += 1;
    // A clip threshold on each side of the norm: one scale below 1, one clamped to 1.
    for (const maxNorm of [0.5 * Math.sqrt(f64), 2 * Math.sqrt(f64)]) {
      const scale = clipScaleWebgpu(total, maxNorm);
      const want = Math.min(1, maxNorm / (Math.sqrt(f64) + 1e-6));
      scaleVsF64 = Math.max(scaleVsF64, Math.abs((await scale.data())[0] - want));
      scale.dispose();
    }
    tf.dispose([total, ...made.map((x) => x.t)]);
    smallest = Math.min(smallest, f64);
    vsF64 = Math.max(vsF64, Math.abs(got - f64) / f64);
  }
  return { gpu: webgpuKernelsWork(), counting, vsF64, scaleVsF64, smallest, wrongCounts };
}
