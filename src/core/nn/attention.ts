/**
 * The core of causal multi-head self-attention as one differentiable op: from the fused projection qkv [B·T, 3d]
 * (GPT-2's c_attn output, columns q | k | v, each split into H heads of hd = d/H) to the merged heads y [B·T, d],
 * y = softmax(scale·q·kᵀ + causal mask)·v per head (Vaswani et al. 2017; GPT-2; nanoGPT's CausalSelfAttention).
 *
 * The gradient is written out (one tape node, four saved tensors) rather than left to autodiff, and every batched
 * product goes through `bmm`, which on wasm takes XNNPACK's fast path slice by slice (wasm-kernels.ts) — tfjs's own
 * batched matMul there is a scalar loop, and attention was half the train step's time on wasm (docs/speed.md).
 *   forward:  S = scale·Q·Kᵀ + M,  P = softmax(S),  Y = P·V
 *   backward: dP = dY·Vᵀ,  dV = Pᵀ·dY,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q
 * On WebGPU the same arithmetic runs as three WGSL dispatches of our own (webgpu-attention.ts), reading qkv and
 * writing y and dqkv in place.
 */
import * as tf from '../tf';
import { batchMatMulWasm, fastTranspose, splitLeadingWasm, wasmKernelsWork } from './wasm-kernels';
import { webgpuKernelsWork } from './webgpu-adamw';
import { MAX_T, attentionBackwardWebgpu, attentionForwardWebgpu } from './webgpu-attention';

/** Batched a·b, [N, M, K]·[N, K, P] → [N, M, P]. */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return wasmKernelsWork() ? batchMatMulWasm(a, b) : tf.matMul(a, b);
}

/** x split into n equal parts along axis 0. */
function splitLeading(x: tf.Tensor, n: number): tf.Tensor[] {
  return wasmKernelsWork() ? splitLeadingWasm(x, n) : tf.split(x, n, 0);
}

const t12 = (x: tf.Tensor) => fastTranspose(x, [0, 2, 1]) as tf.Tensor3D;

/** Additive causal mask [T, T]: 0 on and below the diagonal, −1e9 above. */
export function causalMask(T: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9) as tf.Tensor2D);
}

/**
 * y [B·T, d] from qkv [B·T, 3d] for sequences of length T with H heads; `scale` multiplies q·kᵀ (GPT-2: 1/√hd);
 * `mask` is causalMask(T) (passed in so a forward pass builds it once for all layers).
 */
export function causalSelfAttention(
  qkv: tf.Tensor2D,
  B: number,
  T: number,
  H: number,
  scale: number,
  mask: tf.Tensor2D,
): tf.Tensor2D {
  const d = qkv.shape[1] / 3;
  const hd = d / H;
  const N = B * H;
  if (!Number.isInteger(hd) || qkv.shape[0] !== B * T)
    throw new Error(`attention: qkv [${qkv.shape}] does not fit B=${B}, T=${T}, H=${H}`);
  if (webgpuKernelsWork() && T <= MAX_T) {
    // WGSL of our own (webgpu-attention.ts): one dispatch forward, two backward; the mask is built into the kernels.
    const g = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      save([x]);
      return {
        value: attentionForwardWebgpu(x, B, T, H, scale),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
          attentionBackwardWebgpu(saved[0] as tf.Tensor2D, dy, B, T, H, scale),
        ],
      };
    }) as (x: tf.Tensor) => tf.Tensor2D;
    return g(qkv);
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    // [B·T, 3d] → [B, T, 3, H, hd] → [3, B, H, T, hd]: q, k, v as contiguous [N, T, hd] blocks.
    const heads = tf.reshape(fastTranspose(tf.reshape(x, [B, T, 3, H, hd]), [2, 0, 3, 1, 4]), [3 * N, T, hd]);
    const [q, k, v] = splitLeading(heads, 3) as tf.Tensor3D[];
    const p = tf.softmax(tf.add(tf.mul(bmm(q, t12(k)), scale), mask), -1) as tf.Tensor3D; // [N, T, T]
    const y = bmm(p, v); // [N, T, hd]
    save([q, k, v, p]);
    return {
      value: tf.reshape(fastTranspose(tf.reshape(y, [B, H, T, hd]), [0, 2, 1, 3]), [B * T, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved as tf.Tensor3D[];
        const dY = tf.reshape(fastTranspose(tf.reshape(dy, [B, T, H, hd]), [0, 2, 1, 3]), [N, T, hd]) as tf.Tensor3D;
        const dP = bmm(dY, t12(sv));
        const dV = bmm(t12(sp), dY);
        const dS = tf.mul(tf.mul(sp, tf.sub(dP, tf.sum(tf.mul(dP, sp), -1, true))), scale) as tf.Tensor3D;
        const dQ = bmm(dS, sk);
        const dK = bmm(t12(dS), sq);
        const dHeads = tf.reshape(tf.concat([dQ, dK, dV], 0), [3, B, H, T, hd]);
        return [tf.reshape(fastTranspose(dHeads, [1, 3, 0, 2, 4]), [B * T, 3 * d])];
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor2D;
  return f(qkv);
}

/** Keys and values of one layer for the ids seen so far, [B·H, t, hd] each (inference only). */
export interface LayerKV {
  k: tf.Tensor3D;
  v: tf.Tensor3D;
}

/**
 * Attention for generation with a key/value cache: the T new positions of qkv [B·T, 3d] attend to the cached
 * positions plus themselves (causally among themselves: `mask` is causalMask(T) when T > 1, null for one new id).
 * Returns y [B·T, d] and the cache extended by the new keys and values (new tensors; the caller disposes the old).
 * Same arithmetic as causalSelfAttention's forward; no gradient.
 */
export function cachedAttention(
  qkv: tf.Tensor2D,
  B: number,
  T: number,
  H: number,
  scale: number,
  past: LayerKV | null,
  mask: tf.Tensor2D | null,
): { y: tf.Tensor2D; kv: LayerKV } {
  const d = qkv.shape[1] / 3;
  const hd = d / H;
  const N = B * H;
  const heads = tf.reshape(fastTranspose(tf.reshape(qkv, [B, T, 3, H, hd]), [2, 0, 3, 1, 4]), [3 * N, T, hd]);
  const [q, kNew, vNew] = splitLeading(heads, 3) as tf.Tensor3D[];
  const k = past ? (tf.concat([past.k, kNew], 1) as tf.Tensor3D) : kNew;
  const v = past ? (tf.concat([past.v, vNew], 1) as tf.Tensor3D) : vNew;
  const t = k.shape[1];
  let s = tf.mul(bmm(q, t12(k)), scale); // [N, T, t]
  if (mask) s = tf.add(s, t === T ? mask : tf.concat([tf.zeros([T, t - T]), mask], 1));
  const y = bmm(tf.softmax(s, -1) as tf.Tensor3D, v);
  return {
    y: tf.reshape(fastTranspose(tf.reshape(y, [B, H, T, hd]), [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D,
    kv: { k, v },
  };
}
