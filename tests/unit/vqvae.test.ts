// VQ-VAE: each loss term by hand on a 2-code toy, the straight-through gradient, nearest codes against brute force,
// k-means on data, dead-code restart, the conv gradient against tfjs's own and finite differences, shapes,
// determinism, tensor counts, checkpoint round trip, and a short training run that lowers the error on wasm.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { DEFAULT_VQ_CONFIG, VQVAE, quantize, type VQVAEConfig } from '../../src/core/nn/vqvae';
import { conv3x3, pixelShuffle, pixelUnshuffle } from '../../src/core/nn/conv';
import { kmeans, restartCodes, CodeUsage } from '../../src/core/vq/codebook';
import { VQTrainer, evaluateVQ, DEFAULT_VQ_TRAIN } from '../../src/core/vq/train';
import { DeviceImages } from '../../src/core/data/images';
import { loadVQ, saveVQ } from '../../src/core/checkpoint/vq';
import { memorySource } from '../../src/core/checkpoint/source';
import { Rng } from '../../src/core/nn/init';
import { expectAllclose, useBackend } from './helpers/tf';

const small: VQVAEConfig = {
  ...DEFAULT_VQ_CONFIG,
  channels: 4,
  resBlocks: 1,
  codeDim: 4,
  codebookSize: 8,
  deadCodeSteps: 0,
};

function randomImages(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.next());
}

describe('vector quantizer', () => {
  it('computes each loss term as by hand on a 2-code toy', async () => {
    await useBackend('cpu');
    const z = tf.tensor2d([
      [0.1, 0.2],
      [0.9, 1.1],
    ]);
    const e = tf.tensor2d([
      [0, 0],
      [1, 1],
    ]);
    const q = quantize(z, e);
    expect(Array.from(q.ids.dataSync())).toEqual([0, 1]);
    expect(Array.from(q.e.dataSync())).toEqual([0, 0, 1, 1]);
    // ((0.1² + 0.2²) + (0.1² + 0.1²)) / 4 = 0.07 / 4 = 0.0175 for both terms (they differ only in where gradients go).
    expect(q.codebook.dataSync()[0]).toBeCloseTo(0.0175, 7);
    expect(q.commitment.dataSync()[0]).toBeCloseTo(0.0175, 7);
    expect(Array.from(q.st.dataSync())).toEqual([0, 0, 1, 1].map((v) => expect.closeTo(v, 6)));
    // Gradients: the codebook term moves only the codes, the commitment term only the encoder output.
    const gCode = tf.grads((zz: tf.Tensor, ee: tf.Tensor) => quantize(zz as tf.Tensor2D, ee as tf.Tensor2D).codebook)([
      z,
      e,
    ]);
    expect(Array.from(gCode[0].dataSync())).toEqual([0, 0, 0, 0]);
    expectAllclose(gCode[1].dataSync(), [-0.05, -0.1, 0.05, -0.05], 1e-5, 1e-7); // 2(e − z)/4
    const gCommit = tf.grads(
      (zz: tf.Tensor, ee: tf.Tensor) => quantize(zz as tf.Tensor2D, ee as tf.Tensor2D).commitment,
    )([z, e]);
    expectAllclose(gCommit[0].dataSync(), [0.05, 0.1, -0.05, 0.05], 1e-5, 1e-7); // 2(z − e)/4
    expect(Array.from(gCommit[1].dataSync())).toEqual([0, 0, 0, 0]);
  });

  it('passes the gradient straight through to the encoder output, unchanged', async () => {
    await useBackend('cpu');
    const z = tf.tensor2d([
      [0.3, -0.2],
      [0.7, 0.4],
      [2, 2],
    ]);
    const e = tf.tensor2d([
      [0, 0],
      [1, 1],
    ]);
    const upstream = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const [gz, ge] = tf.grads((zz: tf.Tensor, ee: tf.Tensor) =>
      tf.sum(tf.mul(quantize(zz as tf.Tensor2D, ee as tf.Tensor2D).st, upstream)),
    )([z, e]);
    expect(Array.from(gz.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(ge.dataSync())).toEqual([0, 0, 0, 0]);
  });

  it('assigns the nearest code, as brute force does', async () => {
    await useBackend('wasm');
    const rng = new Rng(4);
    const N = 200,
      K = 37,
      D = 6;
    const z = Array.from({ length: N }, () => Array.from({ length: D }, () => rng.normal()));
    const e = Array.from({ length: K }, () => Array.from({ length: D }, () => rng.normal()));
    const ids = quantize(tf.tensor2d(z), tf.tensor2d(e)).ids.dataSync();
    z.forEach((row, i) => {
      let best = 0;
      let bestD = Infinity;
      e.forEach((code, k) => {
        const d = code.reduce((s, c, j) => s + (row[j] - c) ** 2, 0);
        if (d < bestD) [best, bestD] = [k, d];
      });
      expect(ids[i]).toBe(best);
    });
  });

  it('k-means places the codes on the data', async () => {
    await useBackend('wasm');
    const centres = [
      [5, 5],
      [-5, 5],
      [5, -5],
      [-5, -5],
    ];
    const rng = new Rng(2);
    const pts = Array.from({ length: 400 }, (_, i) => centres[i % 4].map((c) => c + 0.1 * rng.normal()));
    const codes = kmeans(tf.tensor2d(pts), 4, 10, 1);
    const found = [0, 1, 2, 3].map((k) => [codes[2 * k], codes[2 * k + 1]]);
    for (const c of centres) {
      const nearest = Math.min(...found.map((f) => Math.hypot(f[0] - c[0], f[1] - c[1])));
      expect(nearest).toBeLessThan(0.1);
    }
  });

  it('revives an unused code from recent encoder outputs', async () => {
    await useBackend('wasm');
    const model = new VQVAE(small, 1);
    const far = new Float32Array(small.codeDim).fill(1e3);
    model.setCodes([7], far);
    const images = new DeviceImages(randomImages(4, 3), 4, 32);
    const usage = new CodeUsage(small.codebookSize);
    const x = images.batch([0, 1, 2, 3]);
    const r = model.losses(x);
    usage.add(r.ids);
    const dead = await usage.unusedAndReset();
    expect(dead).toContain(7);
    expect(await restartCodes(model, dead, r.z, new Rng(0))).toBe(dead.length);
    const code7 = Array.from(model.codebook.dataSync().slice(7 * small.codeDim, 8 * small.codeDim));
    const zs = r.z.dataSync();
    let nearest = Infinity;
    for (let i = 0; i < r.z.shape[0]; i++)
      nearest = Math.min(nearest, Math.hypot(...code7.map((c, j) => c - zs[i * small.codeDim + j])));
    expect(nearest).toBeLessThan(0.1); // re-seeded on an encoder output (plus 0.01 noise per dimension)
    const after = quantize(r.z, model.codebook as tf.Tensor as tf.Tensor2D).ids.dataSync();
    expect(Array.from(after)).toContain(7);
    tf.dispose([x, r.ids, r.z, r.total, r.recon, r.codebook, r.commitment]);
    usage.dispose();
    images.dispose();
    model.dispose();
  });
});

describe('convolutions', () => {
  it('match tf.conv2d and its gradients (cpu has Conv2DBackpropFilter), and finite differences', async () => {
    await useBackend('cpu');
    const rng = new Rng(8);
    const x = tf.tensor4d(
      Float32Array.from({ length: 2 * 5 * 4 * 3 }, () => rng.normal()),
      [2, 5, 4, 3],
    );
    const w = tf.tensor2d(
      Float32Array.from({ length: 27 * 4 }, () => rng.normal()),
      [27, 4],
    );
    const b = tf.tensor1d([0.1, -0.2, 0.3, 0]);
    const up = tf.tensor4d(
      Float32Array.from({ length: 2 * 5 * 4 * 4 }, () => rng.normal()),
      [2, 5, 4, 4],
    );
    const ours = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv3x3(xx as tf.Tensor4D, ww, b), up));
    const theirs = (xx: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.add(tf.conv2d(xx as tf.Tensor4D, tf.reshape(ww, [3, 3, 3, 4]) as tf.Tensor4D, 1, 'same'), b), up),
      );
    expectAllclose(ours(x, w).dataSync(), theirs(x, w).dataSync(), 1e-5);
    const [gx, gw] = tf.grads(ours)([x, w]);
    const [hx, hw] = tf.grads(theirs)([x, w]);
    expectAllclose(gx.dataSync(), hx.dataSync(), 1e-4, 1e-5);
    expectAllclose(gw.dataSync(), hw.dataSync(), 1e-4, 1e-5);
    // Central differences on a few filter entries (float32, so a loose tolerance).
    const wv = w.dataSync();
    for (const i of [0, 13, 55, 107]) {
      const h = 1e-2;
      const plus = Float32Array.from(wv);
      plus[i] += h;
      const minus = Float32Array.from(wv);
      minus[i] -= h;
      const fd =
        (ours(x, tf.tensor2d(plus, [27, 4])).dataSync()[0] - ours(x, tf.tensor2d(minus, [27, 4])).dataSync()[0]) /
        (2 * h);
      expect(gw.dataSync()[i]).toBeCloseTo(fd, 2);
    }
  });

  it('pixel shuffle inverts pixel unshuffle and moves 2×2 blocks into channels', async () => {
    await useBackend('wasm');
    const x = tf.tensor4d(
      Float32Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    const u = pixelUnshuffle(x);
    expect(u.shape).toEqual([1, 2, 2, 4]);
    expect(Array.from(u.dataSync().slice(0, 4))).toEqual([0, 1, 4, 5]); // the top-left 2×2 block
    expect(Array.from(pixelShuffle(u).dataSync())).toEqual(Array.from(x.dataSync()));
  });
});

describe('VQ-VAE model', () => {
  it('encodes to an 8×8 grid of ids and decodes back to images in [0, 1]', async () => {
    await useBackend('wasm');
    const model = new VQVAE(small, 0);
    const x = tf.tensor4d(randomImages(2, 1), [2, 32, 32, 3]);
    const ids = model.encode(x);
    expect(ids.shape).toEqual([2, 8, 8]);
    expect(ids.dtype).toBe('int32');
    for (const id of ids.dataSync()) expect(id >= 0 && id < small.codebookSize).toBe(true);
    const y = model.decode(ids);
    expect(y.shape).toEqual([2, 32, 32, 3]);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    tf.dispose([x, ids, y]);
    model.dispose();
  });

  it('is deterministic from a seed, frees what it makes, and round-trips through its checkpoint', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const images = new DeviceImages(randomImages(8, 5), 8, 32);
    const run = async () => {
      const model = new VQVAE(small, 3);
      const trainer = new VQTrainer(model, images, {
        ...DEFAULT_VQ_TRAIN,
        batchSize: 4,
        steps: 3,
        kmeansImages: 4,
        seed: 1,
      });
      await trainer.initCodebook();
      const losses = [];
      for (let i = 0; i < 3; i++) losses.push((await trainer.trainStep(true))!.total);
      trainer.dispose();
      return { model, losses };
    };
    const a = await run();
    const b = await run();
    expect(b.losses).toEqual(a.losses);
    const files = saveVQ(a.model, { metrics: { psnr: 1 } });
    const loaded = await loadVQ(memorySource('vq', files));
    expect(loaded.meta.model).toEqual(small);
    const x = images.batch([0, 1]);
    const [ea, eb] = [a.model.encode(x), loaded.model.encode(x)];
    expect(Array.from(eb.dataSync())).toEqual(Array.from(ea.dataSync()));
    tf.dispose([ea, eb]);
    const bad = new Map(files);
    bad.set(
      'config.json',
      new TextEncoder().encode(JSON.stringify({ format: 'tabula-vq', version: 1, model: { ...small, codeDim: 5 } })),
    );
    await expect(loadVQ(memorySource('vq', bad))).rejects.toThrow(
      /vq\/model\.safetensors: tensor "encoder\.out\.weight": has shape \[8,4\] but config\.json needs \[8,5\]/,
    );
    tf.dispose(x);
    [a.model, b.model, loaded.model].forEach((m) => m.dispose());
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the tensor count flat over training steps, and a short run lowers the error on wasm', async () => {
    await useBackend('wasm');
    const images = new DeviceImages(
      randomImages(16, 9).map((v, i) => (Math.floor(i / 3) % 64 < 32 ? 1 : v * 0.2)),
      16,
      32,
    );
    const model = new VQVAE({ ...small, channels: 8, codebookSize: 16, codeDim: 8, deadCodeSteps: 10 }, 0);
    const trainer = new VQTrainer(model, images, {
      ...DEFAULT_VQ_TRAIN,
      batchSize: 8,
      steps: 60,
      lr: 3e-3,
      warmupSteps: 5,
      kmeansImages: 16,
    });
    await trainer.initCodebook();
    const start = await evaluateVQ(model, images);
    await trainer.trainStep(false);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 59; i++) await trainer.trainStep(false);
    expect(tf.memory().numTensors).toBe(count);
    const end = await evaluateVQ(model, images);
    console.log(
      `[vq] wasm, 60 steps: recon MSE ${start.recon_mse.toFixed(4)} → ${end.recon_mse.toFixed(4)}, PSNR ${start.psnr.toFixed(1)} → ${end.psnr.toFixed(1)} dB`,
    );
    expect(end.recon_mse).toBeLessThan(0.7 * start.recon_mse);
    trainer.dispose();
    model.dispose();
    images.dispose();
  });
});
