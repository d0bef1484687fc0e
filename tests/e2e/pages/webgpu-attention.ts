// Runs in Chromium, served by a Vite dev server (tests/e2e/webgpu-attention.test.ts): attention.ts's
// causalSelfAttention, which takes the WGSL kernels of webgpu-attention.ts on tfjs's WebGPU backend (SwiftShader
// here), against the same function on the cpu backend (the tfjs op chain) and against a plain autodiff composition
// of tfjs ops on webgpu — values and gradients, at odd shapes. Returns the largest differences, the dispatch counts
// and the tensor counts; the test decides.
// tfjs-core first: unbundled, tf.ts's gradient registrations would otherwise run before tfjs-core registers its flags.
import '@tensorflow/tfjs-core';
import * as tf from '../../../src/core/tf';
import '@tensorflow/tfjs-backend-webgpu';
import { causalMask, causalSelfAttention } from '../../../src/core/nn/attention';
import { webgpuKernelsWork } from '../../../src/core/nn/webgpu-adamw';
import { gpuCountsNow, gpuCountsSince, installGpuCounters } from '../../../src/core/gpu-counts';

/**
 * Deterministic values in [-scale, scale], made ON the active backend from a range (SwiftShader's WebGPU may refuse
 * tfjs's mapped upload buffers; see webgpu-kernels.ts), read back by data() so the cpu run gets the same numbers.
 */
async function values(shape: number[], seed: number, scale = 1): Promise<{ t: tf.Tensor; raw: Float32Array }> {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = tf.tidy(() =>
    tf.reshape(tf.mul(tf.sin(tf.add(tf.mul(tf.range(0, n, 1, 'float32'), 0.7 + 0.13 * seed), seed)), scale), shape),
  );
  return { t, raw: (await t.data()).slice() as Float32Array };
}

/** Largest |a − b| over the largest |b| (Infinity on a length mismatch or NaN). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return Number.isNaN(d) || m === 0 ? Infinity : d / m;
}

/** Causal attention as plain tfjs ops, differentiated by tfjs itself: qkv [B·T, 3d] → y [B·T, d]. */
function reference(qkv: tf.Tensor, B: number, T: number, H: number, scale: number): tf.Tensor {
  const hd = qkv.shape[1]! / (3 * H);
  const heads = tf.transpose(tf.reshape(qkv, [B, T, 3, H, hd]), [2, 0, 3, 1, 4]);
  const [q, k, v] = tf.split(tf.reshape(heads, [3, B * H, T, hd]), 3, 0).map((x) => tf.reshape(x, [B * H, T, hd]));
  const s = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), causalMask(T));
  const y = tf.matMul(tf.softmax(s, -1), v);
  return tf.reshape(tf.transpose(tf.reshape(y, [B, H, T, hd]), [0, 2, 1, 3]), [B * T, H * hd]);
}

const SHAPES: [number, number, number, number][] = [
  // B, T, H, hd: T below, not a multiple of, and above the row workgroup's 64 lanes; one position; hd 8 and 32.
  [1, 16, 2, 8],
  [2, 19, 3, 8],
  [1, 96, 2, 32],
  [3, 5, 4, 8],
  [2, 1, 2, 4],
  [1, 70, 1, 16],
];

export async function attentionCheck(): Promise<Record<string, number | boolean | string>> {
  await tf.setBackend('webgpu');
  await tf.ready();
  const gpu = webgpuKernelsWork();
  const counting = installGpuCounters();
  let yVsCpu = 0;
  let gVsCpu = 0;
  let yVsOps = 0;
  let gVsOps = 0;
  let yMagnitude = Infinity;
  let gMagnitude = Infinity;
  let leaked = 0;
  let fwdDispatches = 0;
  let stepDispatches = 0;
  for (const [k, [B, T, H, hd]] of SHAPES.entries()) {
    const scale = 1 / Math.sqrt(hd);
    await tf.setBackend('webgpu');
    const qkv = await values([B * T, 3 * H * hd], 3 + k, 1.5);
    const dy = await values([B * T, H * hd], 17 + k);
    const mask = causalMask(T);
    const attn = (x: tf.Tensor) => causalSelfAttention(x as tf.Tensor2D, B, T, H, scale, mask);
    const before = tf.memory().numTensors;
    const at = gpuCountsNow();
    const y = attn(qkv.t);
    const yGpu = await y.data();
    fwdDispatches = Math.max(fwdDispatches, gpuCountsSince(at).dispatches);
    y.dispose();
    const at2 = gpuCountsNow();
    const [g] = tf.grads(attn)([qkv.t], dy.t);
    const gGpu = await g.data();
    stepDispatches = Math.max(stepDispatches, gpuCountsSince(at2).dispatches);
    g.dispose();
    leaked = Math.max(leaked, tf.memory().numTensors - before);
    const yOps = tf.tidy(() => reference(qkv.t, B, T, H, scale));
    const [gOps] = tf.grads((x: tf.Tensor) => reference(x, B, T, H, scale))([qkv.t], dy.t);
    yVsOps = Math.max(yVsOps, relDiff(yGpu, await yOps.data()));
    gVsOps = Math.max(gVsOps, relDiff(gGpu, await gOps.data()));
    tf.dispose([yOps, gOps, qkv.t, dy.t, mask]);

    await tf.setBackend('cpu');
    const qc = tf.tensor2d(qkv.raw, [B * T, 3 * H * hd]);
    const dc = tf.tensor2d(dy.raw, [B * T, H * hd]);
    const mc = causalMask(T);
    const yc = causalSelfAttention(qc, B, T, H, scale, mc);
    const [gc] = tf.grads((x: tf.Tensor) => causalSelfAttention(x as tf.Tensor2D, B, T, H, scale, mc))([qc], dc);
    const yCpu = await yc.data();
    const gCpu = await gc.data();
    tf.dispose([qc, dc, mc, yc, gc]);
    yVsCpu = Math.max(yVsCpu, relDiff(yGpu, yCpu));
    gVsCpu = Math.max(gVsCpu, relDiff(gGpu, gCpu));
    // Sizes of the reference outputs (the differences above are relative to them).
    yMagnitude = Math.min(yMagnitude, Math.max(...Array.from(yCpu, Math.abs)));
    gMagnitude = Math.min(gMagnitude, Math.max(...Array.from(gCpu, Math.abs)));
  }
  await tf.setBackend('webgpu');
  return {
    backend: tf.getBackend(),
    gpu,
    counting,
    yVsCpu,
    gVsCpu,
    yVsOps,
    gVsOps,
    yMagnitude,
    gMagnitude,
    leaked,
    fwdDispatches,
    stepDispatches,
  };
}
