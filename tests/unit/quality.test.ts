// The quality figure: eigen-decomposition against reconstruction, the Fréchet distance against closed forms, and the
// category classifier learning a separable toy set.
import { describe, expect, it } from 'vitest';
import { CategoryClassifier, frechetDistance, symmetricEigen } from '../../src/core/experiment/quality';
import { DeviceImages } from '../../src/core/data/images';
import { Rng } from '../../src/core/nn/init';
import { useBackend } from './helpers/tf';

describe('Fréchet distance', () => {
  it('decomposes a symmetric matrix (A = V Λ Vᵀ)', () => {
    const a = Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]);
    const { values, vectors } = symmetricEigen(a, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += vectors[i * 3 + k] * values[k] * vectors[j * 3 + k];
        expect(s).toBeCloseTo(a[i * 3 + j], 10);
      }
  });

  it('is zero for identical sets and matches the closed form for shifted and scaled ones', () => {
    const rng = new Rng(3);
    const n = 4000,
      d = 2;
    const x = Float32Array.from({ length: n * d }, () => rng.normal());
    expect(frechetDistance(x, n, x, n, d)).toBeCloseTo(0, 6);
    // Shift by (3, 4): distance ≈ 25. Scale by 2: Tr(Σ + 4Σ − 2·2Σ) = Tr(Σ) ≈ 2.
    const shifted = x.map((v, i) => v + (i % 2 === 0 ? 3 : 4));
    expect(frechetDistance(x, n, shifted, n, d)).toBeCloseTo(25, 4);
    const scaled = x.map((v) => 2 * v);
    expect(frechetDistance(x, n, scaled, n, d)).toBeCloseTo(2, 0);
  });
});

describe('category classifier', () => {
  it('learns to tell reddish from bluish images', async () => {
    await useBackend('wasm');
    const rng = new Rng(1);
    const n = 64;
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const px = new Float32Array(n * 32 * 32 * 3);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < 1024; p++) {
        const o = (i * 1024 + p) * 3;
        px[o] = labels[i] ? 0.2 + 0.2 * rng.next() : 0.8 + 0.2 * rng.next();
        px[o + 1] = rng.next();
        px[o + 2] = labels[i] ? 0.8 + 0.2 * rng.next() : 0.2 + 0.2 * rng.next();
      }
    const images = new DeviceImages(px, n, 32);
    const cls = new CategoryClassifier(2, 0);
    await cls.train(images, labels, 30, 16);
    const { classes, features } = await cls.predict(images);
    expect(classes.filter((c, i) => c === labels[i]).length / n).toBeGreaterThan(0.9);
    expect(features.length).toBe(n * 32);
    cls.dispose();
    images.dispose();
  });
});
