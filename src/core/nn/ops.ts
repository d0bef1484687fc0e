// Small tensor building blocks shared by the models: a fast matmul for wasm, GELU (tanh form), LayerNorm, masked means.
import * as tf from '@tensorflow/tfjs';

/** Swap the last two axes of a rank-2+ tensor. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  if (r === 2) return tf.transpose(x);
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
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
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      return [
        tf.matMul(dy as tf.Tensor2D, transposeLast2(sb) as tf.Tensor2D),
        tf.matMul(transposeLast2(sa) as tf.Tensor2D, dy as tf.Tensor2D),
      ];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (GPT-2's "gelu_new"): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(GELU_C, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/** LayerNorm over the last axis with biased variance, as PyTorch: (x − μ)/√(σ² + eps)·g + b. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), -1, true);
    return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b);
  });
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
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tf.add(level[i], level[i + 1]) : level[i]);
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
