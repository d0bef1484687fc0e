/**
 * Tensor building blocks shared by the models, each with its gradient written out (one tape node, few saved tensors)
 * so the wasm backend's slow paths are avoided (docs/speed.md): matmuls without transpose flags, a linear layer,
 * GELU, LayerNorm, cross-entropy, the tied head, the embedding lookup, masked means.
 */
import * as tf from '../tf';
import { batchMatMulWasm, fastTranspose, sumRowsWasm, wasmKernelsWork } from './wasm-kernels';
import { webgpuKernelsWork } from './webgpu-adamw';
import { crossEntropyWebgpu, geluWebgpu, layerNormWebgpu } from './webgpu-norm';

/** Swap the last two axes of a rank-2+ tensor. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return fastTranspose(x, perm);
}

/**
 * a·b without transpose flags: rank 2 through tf.matMul; batched (equal leading dims) through the wasm sliced fast
 * path where it works (wasm-kernels.ts), else tf.matMul.
 */
function plainMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 2 || !wasmKernelsWork()) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  const lead = a.shape.slice(0, -2);
  const [M, K] = a.shape.slice(-2);
  const P = b.shape[b.rank - 1];
  const n = lead.reduce((x, y) => x * y, 1);
  const out = batchMatMulWasm(tf.reshape(a, [n, M, K]) as tf.Tensor3D, tf.reshape(b, [n, K, P]) as tf.Tensor3D);
  return tf.reshape(out, [...lead, M, P]);
}

/**
 * Matrix product a·b (rank 2, or batched with equal leading dims) whose gradient uses explicit transposes
 * instead of matMul's transpose flags: on the wasm backend the flagged matMul is 3–41× slower (docs/tfjs-notes.md),
 * and tfjs's built-in matMul gradient uses the flags.
 */
export const mm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: plainMatMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      return [plainMatMul(dy, transposeLast2(sb)), plainMatMul(transposeLast2(sa), dy)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * Σ over every axis but the last: x [..., C] → [C]. tf.sum over leading axes makes the wasm backend transpose the
 * whole tensor first; the wasm kernel here sums rows in place.
 */
export function sumRows(x: tf.Tensor): tf.Tensor1D {
  const C = x.shape[x.rank - 1];
  const x2 = tf.reshape(x, [-1, C]) as tf.Tensor2D;
  return wasmKernelsWork() ? sumRowsWasm(x2) : (tf.sum(x2, 0) as tf.Tensor1D);
}

/** x·W + b for x [R, in], W [in, out] (Conv1D layout), b [out]; the bias gradient by sumRows. */
export const linear = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, transposeLast2(sw) as tf.Tensor2D),
      tf.matMul(transposeLast2(sx) as tf.Tensor2D, dy as tf.Tensor2D),
      sumRows(dy),
    ],
  };
}) as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * GELU, tanh approximation (GPT-2's "gelu_new"): 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³), any shape —
 * computed as x·σ(2u), the same function (0.5·(1 + tanh(u)) = σ(2u)), because tfjs-wasm's sigmoid is vectorised
 * (XNNPACK) and its tanh is scalar. Gradient in closed form, s = σ(2u): s + x·s·(1 − s)·2√(2/π)·(1 + 3·0.044715·x²).
 * On WebGPU, one WGSL dispatch each way (webgpu-norm.ts); elsewhere the tfjs chain below.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return webgpuKernelsWork() ? geluWebgpu(x) : geluOps(x);
}

const geluOps = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const s = tf.sigmoid(tf.mul(x, tf.add(2 * GELU_C, tf.mul(2 * GELU_C * GELU_A, tf.square(x)))));
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => {
      const du = tf.add(2 * GELU_C, tf.mul(6 * GELU_C * GELU_A, tf.square(sx)));
      return [tf.mul(dy, tf.add(ss, tf.mul(tf.mul(sx, tf.mul(ss, tf.sub(1, ss))), du)))];
    },
  };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * LayerNorm over the last axis with biased variance, as PyTorch: (x − μ)/√(σ² + eps)·g + b. x [..., C], g and b [C].
 * Closed-form gradient (one tape node): with x̂ the normalised input and r = 1/√(σ² + eps),
 * dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g; dg = Σ dy·x̂, db = Σ dy over all rows. On WebGPU, WGSL
 * kernels (webgpu-norm.ts: one dispatch forward, four backward); elsewhere the tfjs chain below.
 */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const C = x.shape[x.rank - 1];
  const shape = x.shape;
  if (webgpuKernelsWork())
    return tf.reshape(
      layerNormWebgpu(tf.reshape(x, [-1, C]) as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, eps),
      shape,
    );
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x2, gain, bias, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const xc = tf.sub(x2, tf.mean(x2, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd, gain]);
    return {
      value: tf.add(tf.mul(xhat, gain), bias),
      gradFunc: (dy: tf.Tensor, [sxhat, srstd, sgain]: tf.Tensor[]) => {
        const dxhat = tf.mul(dy, sgain);
        const inner = tf.sub(
          tf.sub(dxhat, tf.mean(dxhat, -1, true)),
          tf.mul(sxhat, tf.mean(tf.mul(dxhat, sxhat), -1, true)),
        );
        return [tf.mul(inner, srstd), sumRows(tf.mul(dy, sxhat)), sumRows(dy)];
      },
    };
  }) as (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  return tf.reshape(f(tf.reshape(x, [-1, C]), g, b), shape);
}

/**
 * Per-row cross-entropy −log softmax(logits)[target]: logits [R, V], int32 targets [R] → NLL [R] (nats). The
 * forward runs tf.softmax (vectorised on wasm, unlike tf.exp) and recovers log-sum-exp exactly from it:
 * p_max = exp(max z − lse) ≥ 1/V never underflows, so lse = max z − log p_max and NLL = lse − z_target.
 * Gradient (p − one-hot)·dNLL in closed form, one tape node. On WebGPU, one WGSL dispatch each way
 * (webgpu-norm.ts); elsewhere the tfjs chain below.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  if (webgpuKernelsWork()) return crossEntropyWebgpu(logits, targets);
  const [R, V] = logits.shape;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const p = tf.softmax(z, -1);
    const lse = tf.sub(tf.max(z, -1), tf.log(tf.max(p, -1)));
    const flatIdx = tf.add(tf.mul(tf.range(0, R, 1, 'int32'), tf.scalar(V, 'int32')), targets);
    save([p, targets]); // targets too: the caller's tidy may free them before the backward pass
    return {
      value: tf.sub(lse, tf.gather(tf.reshape(z, [R * V]), flatIdx)),
      gradFunc: (dy: tf.Tensor, [sp, st]: tf.Tensor[]) => [
        tf.mul(tf.sub(sp, oneHotF32(st, V)), tf.reshape(dy, [R, 1])),
      ],
    };
  }) as (z: tf.Tensor) => tf.Tensor1D;
  return f(logits);
}

/**
 * a·wᵀ for a [R, d] and w [V, d] (the tied output head): the forward transposes w once; the gradient needs no
 * transpose of the large [R, V] output — dA = dY·w, dW = (aᵀ·dY)ᵀ.
 */
export const matMulBT = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, w]);
  return {
    value: tf.matMul(a, transposeLast2(w) as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [sa, sw]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, sw as tf.Tensor2D),
      transposeLast2(tf.matMul(transposeLast2(sa) as tf.Tensor2D, dy as tf.Tensor2D)),
    ],
  };
}) as (a: tf.Tensor, w: tf.Tensor) => tf.Tensor2D;

/**
 * Token plus position embedding: table[ids] + positions for int32 ids [B, T], table [V, d], positions [T, d] →
 * [B, T, d]. Gradient of the table: the rows of dy summed into their ids (scatter-add; tf.scatterND sums
 * duplicates) — on wasm, where tf.gather has no gradient (the backend lacks UnsortedSegmentSum), and on cpu, where
 * that kernel costs O(V·N·d). GPU backends keep tf.gather's own gradient. Positions get dy summed over the batch.
 */
export function embedding(table: tf.Tensor2D, positions: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  const [B, T] = ids.shape;
  const [V, d] = table.shape;
  const flat = tf.reshape(ids, [B * T]) as tf.Tensor1D;
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu')
    return tf.add(tf.reshape(tf.gather(table, flat), [B, T, d]), positions) as tf.Tensor3D;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, pos, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([flat]); // the caller's tidy may free the ids before the backward pass
    return {
      value: tf.add(tf.reshape(tf.gather(t, flat), [B, T, d]), pos),
      gradFunc: (dy: tf.Tensor, [sids]: tf.Tensor[]) => [
        tf.scatterND(tf.reshape(sids, [-1, 1]), tf.reshape(dy, [B * T, d]), [V, d]),
        tf.reshape(sumRows(tf.reshape(dy, [B, T * d])), [T, d]),
      ],
    };
  }) as (t: tf.Tensor, pos: tf.Tensor) => tf.Tensor3D;
  return f(table, positions);
}

/** Σ(values·mask)/Σ(mask) — a masked mean; 0 when the mask is empty. */
export function maskedMean(values: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const total = tf.sum(tf.mul(values, mask));
    const count = tf.maximum(tf.sum(mask), 1);
    return tf.div(total, count) as tf.Scalar;
  });
}

/** Sum a list of tensors pairwise. Never tf.addN: on WebGPU it returns wrong numbers with ≥ 8 inputs (docs/tfjs-notes.md). */
export function sumPairwise(xs: tf.Tensor[]): tf.Tensor {
  if (xs.length === 0) throw new Error('sumPairwise: empty list');
  let level = xs;
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? tf.add(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

/**
 * One-hot rows as float32. tf.oneHot's dtype argument is not honoured by the wasm kernel (it writes int32 bits into
 * a tensor labelled float32, read back as ~1e-45), so build int32 and cast.
 */
export function oneHotF32(indices: tf.Tensor, depth: number): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.oneHot(indices as tf.Tensor1D, depth), 'float32'));
}
