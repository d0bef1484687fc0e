// The contrastive alignment of image-token rows: on a toy where each image's codes mirror its caption's words,
// each learnt image row ends up nearest its own word's embedding.
import { describe, expect, it } from 'vitest';
import { alignImageRows } from '../../src/core/experiment/alignment';
import { Rng } from '../../src/core/nn/init';
import { useBackend } from './helpers/tf';

describe('aligned row initialisation', () => {
  it('pulls each image code towards the words it co-occurs with', async () => {
    await useBackend('wasm');
    const V = 8,
      d = 16,
      K = 8,
      P = 4;
    const rng = new Rng(2);
    const text = Float32Array.from({ length: V * d }, () => rng.normal());
    // Image i shows codes {a, b} and its caption is the words {a, b}.
    const pairs = Array.from({ length: 200 }, () => [rng.int(K), rng.int(K)]);
    const captions = pairs.map(([a, b]) => [a, b]);
    const codes = Int32Array.from(pairs.flatMap(([a, b]) => [a, a, b, b]));
    const { rows, loss } = await alignImageRows(text, d, captions, codes, P, K, {
      steps: 150,
      batch: 32,
      lr: 3e-2,
      temperature: 0.1,
      seed: 0,
    });
    expect(rows.length).toBe(K * d);
    expect(Number.isFinite(loss)).toBe(true);
    const cos = (x: Float32Array, i: number, y: Float32Array, j: number) => {
      let s = 0,
        nx = 0,
        ny = 0;
      for (let k = 0; k < d; k++) {
        s += x[i * d + k] * y[j * d + k];
        nx += x[i * d + k] ** 2;
        ny += y[j * d + k] ** 2;
      }
      return s / Math.sqrt(nx * ny);
    };
    let correct = 0;
    for (let k = 0; k < K; k++) {
      const sims = Array.from({ length: V }, (_, w) => cos(rows, k, text, w));
      if (sims.indexOf(Math.max(...sims)) === k) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(6);
  });
});
