// The wasm kernels (wasm-kernels.ts) and the hand-written gradients (ops.ts, attention.ts) against independent
// computations: tf.transpose / tf.matMul / plain loops for the kernels, float64 formulas and central finite
// differences for the ops, and the same GPT step with the fast kernels switched off.
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { crossEntropy, embedding, gelu, layerNorm, linear, sumRows } from '../../src/core/nn/ops';
import { causalMask, causalSelfAttention } from '../../src/core/nn/attention';
import {
  batchMatMulWasm,
  fastTranspose,
  setFastKernels,
  splitLeadingWasm,
  sumRowsWasm,
  wasmKernelsWork,
} from '../../src/core/nn/wasm-kernels';
import { simplifyPermutation } from '../../src/core/nn/permute';
import { GPT } from '../../src/core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../../src/core/nn/optim';
import { Rng } from '../../src/core/nn/init';
import { expectAllclose, useBackend } from './helpers/tf';

const rand = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

afterEach(() => setFastKernels(true));

describe('wasm kernels', () => {
  it('merge neighbouring axes and drop size-1 axes of a permutation', () => {
    // [B, T, 3, H, hd] → [3, B, H, T, hd] keeps hd last: nothing merges, the permutation stays rank 5.
    expect(simplifyPermutation([16, 96, 3, 4, 32], [2, 0, 3, 1, 4])).toEqual({
      shape: [16, 96, 3, 4, 32],
      perm: [2, 0, 3, 1, 4],
    });
    // [a, b, c] → [c, a, b]: a and b stay neighbours → [ab, c] swapped.
    expect(simplifyPermutation([2, 3, 5], [2, 0, 1])).toEqual({ shape: [6, 5], perm: [1, 0] });
    // A size-1 axis disappears: [1, 4, 6] → [6, 1, 4] is a 2-D swap.
    expect(simplifyPermutation([1, 4, 6], [2, 0, 1])).toEqual({ shape: [4, 6], perm: [1, 0] });
  });

  it('transpose, split, row sums and batched products equal tfjs / loops on the same inputs', async () => {
    await useBackend('wasm');
    expect(wasmKernelsWork()).toBe(true);
    const cases: [number[], number[]][] = [
      [
        [5, 7, 3, 2, 4],
        [2, 0, 3, 1, 4],
      ],
      [
        [3, 5, 2, 7, 4],
        [1, 3, 0, 2, 4],
      ],
      [
        [6, 33, 17],
        [0, 2, 1],
      ],
      [
        [70, 45],
        [1, 0],
      ],
      [
        [2, 3, 4, 5],
        [0, 2, 1, 3],
      ], // left to tf.transpose
    ];
    for (const [shape, perm] of cases) {
      const x = rand(shape, shape.length);
      expect(Array.from(fastTranspose(x, perm).dataSync())).toEqual(Array.from(tf.transpose(x, perm).dataSync()));
    }
    const x = rand([6, 4, 5], 1);
    const parts = splitLeadingWasm(x, 3);
    parts.forEach((p, i) =>
      expect(Array.from(p.dataSync())).toEqual(Array.from(tf.slice(x, [2 * i, 0, 0], [2, 4, 5]).dataSync())),
    );
    const m = rand([37, 9], 2);
    const values = m.dataSync();
    const sums = Array.from({ length: 9 }, (_, c) =>
      Array.from({ length: 37 }, (_, r) => values[r * 9 + c]).reduce((a, b) => a + b, 0),
    );
    expectAllclose(sumRowsWasm(m as tf.Tensor2D).dataSync(), sums, 1e-6, 1e-6);
    const a = rand([4, 7, 5], 3) as tf.Tensor3D;
    const b = rand([4, 5, 6], 4) as tf.Tensor3D;
    expectAllclose(batchMatMulWasm(a, b).dataSync(), tf.matMul(a, b).dataSync(), 1e-5, 1e-6);
    tf.disposeVariables();
  });

  it('share the buffer in Identity (what tfjs clones for saved tensors) without changing values or leaking', async () => {
    await useBackend('wasm');
    wasmKernelsWork();
    const before = tf.memory().numTensors;
    const x = rand([3, 4], 5);
    const y = tf.clone(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    x.dispose();
    expect(y.dataSync().length).toBe(12); // still readable after the original is gone
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Central finite difference of f at every entry of a small input, against the analytic gradient. */
function checkGradient(f: (x: tf.Tensor) => tf.Scalar, x0: Float32Array, shape: number[]): void {
  const x = tf.tensor(x0, shape);
  const g = tf.grad(f)(x).dataSync();
  const h = 1e-2;
  const numeric = Array.from(x0, (_, i) => {
    const up = Float32Array.from(x0);
    const down = Float32Array.from(x0);
    up[i] += h;
    down[i] -= h;
    return (f(tf.tensor(up, shape)).dataSync()[0] - f(tf.tensor(down, shape)).dataSync()[0]) / (2 * h);
  });
  expectAllclose(g, numeric, 2e-2, 2e-3);
}

describe.each(['cpu', 'wasm'] as const)('ops with written-out gradients on %s', (backend) => {
  it('GELU equals the tanh formula in float64 and its gradient equals finite differences', async () => {
    await useBackend(backend);
    const xs = Float32Array.from([-4, -2.5, -1, -0.3, 0, 0.2, 0.9, 1.7, 3.2, 5]);
    const want = Array.from(xs, (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
    expectAllclose(gelu(tf.tensor1d(xs)).dataSync(), want, 1e-5, 1e-6);
    // A weighted sum, so every entry's gradient is exercised with a different upstream value.
    const w = tf.tensor1d(Array.from(xs, (_, i) => 1 + i / 3));
    checkGradient((x) => tf.sum(tf.mul(gelu(x), w)), xs, [10]);
  });

  it("LayerNorm equals PyTorch's formula and its gradients (x, gain, bias) equal finite differences", async () => {
    await useBackend(backend);
    const x0 = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * 2);
    const g0 = Float32Array.from([0.5, -1.2, 2, 0.8]);
    const b0 = Float32Array.from([0.1, 0, -0.3, 0.4]);
    const y = layerNorm(tf.tensor(x0, [3, 4]), tf.tensor(g0), tf.tensor(b0), 1e-5).dataSync();
    for (let r = 0; r < 3; r++) {
      const row = Array.from(x0.subarray(r * 4, r * 4 + 4));
      const mu = row.reduce((a, b) => a + b) / 4;
      const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 4;
      row.forEach((xv, c) => expect(y[r * 4 + c]).toBeCloseTo(((xv - mu) / Math.sqrt(v + 1e-5)) * g0[c] + b0[c], 5));
    }
    const w = tf.tensor(
      Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)),
      [3, 4],
    );
    checkGradient((x) => tf.sum(tf.mul(layerNorm(x, tf.tensor(g0), tf.tensor(b0), 1e-5), w)), x0, [3, 4]);
    checkGradient((g) => tf.sum(tf.mul(layerNorm(tf.tensor(x0, [3, 4]), g, tf.tensor(b0), 1e-5), w)), g0, [4]);
    checkGradient((b) => tf.sum(tf.mul(layerNorm(tf.tensor(x0, [3, 4]), tf.tensor(g0), b, 1e-5), w)), b0, [4]);
  });

  it('cross-entropy equals log-sum-exp minus the target logit, also for extreme logits, and its gradient is softmax − one-hot', async () => {
    await useBackend(backend);
    const z = [
      [2, -1, 0.5, 3],
      [100, -100, 0, 50],
      [0, 0, 0, 0],
    ];
    const t = [1, 1, 2];
    const want = z.map((row, r) => {
      const m = Math.max(...row);
      return m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[t[r]];
    });
    expectAllclose(crossEntropy(tf.tensor2d(z), tf.tensor1d(t, 'int32')).dataSync(), want, 1e-5, 1e-5); // row 1: 200 nats, no overflow
    const z0 = Float32Array.from([2, -1, 0.5, 3, 0.1, -0.4, 1.3, 0.2]);
    const targets = tf.tensor1d([3, 0], 'int32');
    checkGradient((x) => tf.sum(tf.mul(crossEntropy(x as tf.Tensor2D, targets), tf.tensor1d([1, 2.5]))), z0, [2, 4]);
  });

  it('linear, the embedding (repeated ids) and row sums have finite-difference gradients', async () => {
    await useBackend(backend);
    const x0 = Float32Array.from({ length: 6 }, (_, i) => i / 5 - 0.4);
    const w0 = Float32Array.from({ length: 4 }, (_, i) => Math.cos(i));
    const b0 = Float32Array.from([0.3, -0.2]);
    const up = tf.tensor2d([
      [1, -2],
      [0.5, 3],
      [2, 1],
    ]);
    checkGradient((x) => tf.sum(tf.mul(linear(x, tf.tensor(w0, [2, 2]), tf.tensor(b0)), up)), x0, [3, 2]);
    checkGradient((w) => tf.sum(tf.mul(linear(tf.tensor(x0, [3, 2]), w, tf.tensor(b0)), up)), w0, [2, 2]);
    checkGradient((b) => tf.sum(tf.mul(linear(tf.tensor(x0, [3, 2]), tf.tensor(w0, [2, 2]), b), up)), b0, [2]);
    const ids = tf.tensor2d(
      [
        [1, 3, 1],
        [0, 1, 3],
      ],
      [2, 3],
      'int32',
    ); // id 1 three times, id 3 twice, id 2 never
    const pos = tf.tensor2d([
      [0.1, 0.2],
      [0.3, 0.4],
      [0.5, 0.6],
    ]);
    const table0 = Float32Array.from({ length: 8 }, (_, i) => i / 7);
    const wEmb = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [-1, 0.5],
        [2, -3],
        [0.25, 1],
      ],
    ]);
    checkGradient((t) => tf.sum(tf.mul(embedding(t as tf.Tensor2D, pos, ids), wEmb)), table0, [4, 2]);
    checkGradient(
      (p) => tf.sum(tf.mul(embedding(tf.tensor(table0, [4, 2]) as tf.Tensor2D, p as tf.Tensor2D, ids), wEmb)),
      Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
      [3, 2],
    );
    expectAllclose(sumRows(tf.tensor3d([[[1, 2]], [[3, 4]], [[5, 7]]])).dataSync(), [9, 13], 1e-6);
  });

  it('causal attention: rows only see the past, and the gradient equals finite differences', async () => {
    await useBackend(backend);
    const B = 2,
      T = 3,
      H = 2,
      d = 4;
    const qkv0 = Float32Array.from({ length: B * T * 3 * d }, (_, i) => Math.sin(i * 0.37));
    const y = causalSelfAttention(
      tf.tensor(qkv0, [B * T, 3 * d]) as tf.Tensor2D,
      B,
      T,
      H,
      1 / Math.sqrt(d / H),
      causalMask(T),
    ).arraySync() as number[][];
    // Position 0 attends only to itself: its output is its own v.
    for (let b = 0; b < B; b++)
      expectAllclose(y[b * T], Array.from(qkv0.subarray(b * T * 3 * d + 2 * d, b * T * 3 * d + 3 * d)), 1e-5, 1e-6);
    const w = tf.tensor(
      Float32Array.from({ length: B * T * d }, (_, i) => Math.cos(i)),
      [B * T, d],
    );
    checkGradient((x) => tf.sum(tf.mul(causalSelfAttention(x as tf.Tensor2D, B, T, H, 0.7, causalMask(T)), w)), qkv0, [
      B * T,
      3 * d,
    ]);
  });
});

describe('fast kernels on and off', () => {
  it('give the same GPT losses and weights over three AdamW steps on wasm, with a flat tensor count', async () => {
    await useBackend('wasm');
    const config = {
      vocabSize: 50,
      nPositions: 12,
      nEmbd: 16,
      nLayer: 2,
      nHead: 4,
      layerNormEps: 1e-5,
      tieEmbeddings: true,
      initStd: 0.1,
    };
    const rng = new Rng(3);
    const ids = tf.tensor2d(
      Array.from({ length: 4 }, () => Array.from({ length: 12 }, () => rng.int(50))),
      [4, 12],
      'int32',
    );
    const trace = (fast: boolean) => {
      setFastKernels(fast);
      const model = new GPT(config, 5);
      const opt = new AdamW(model.params, { ...DEFAULT_ADAMW, warmupSteps: 0, lr: 1e-2 });
      const losses: number[] = [];
      const counts: number[] = [];
      for (let s = 0; s < 3; s++) {
        const { value, grads } = tf.variableGrads(() => tf.mean(model.nll(ids)) as tf.Scalar, opt.variables());
        opt.apply(grads).dispose();
        losses.push(value.dataSync()[0]);
        tf.dispose([value, ...Object.values(grads)]);
        counts.push(tf.memory().numTensors);
      }
      const w = model.params.get('transformer.h.1.mlp.c_fc.weight')!.dataSync().slice();
      opt.dispose();
      model.dispose();
      return { losses, w, counts };
    };
    const slow = trace(false);
    const fast = trace(true);
    expectAllclose(fast.losses, slow.losses, 1e-5);
    expectAllclose(fast.w, slow.w, 1e-4, 1e-6);
    expect(new Set(fast.counts.slice(1)).size).toBe(1);
    ids.dispose();
  });
});
