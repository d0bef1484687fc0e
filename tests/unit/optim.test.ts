// AdamW against hand-computed updates, the warmup+cosine schedule at known steps, global-norm clipping, decay groups.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { AdamW, DEFAULT_ADAMW, globalNorm, isNoDecay, lrAt, type AdamWConfig } from '../../src/core/nn/optim';
import { useBackend } from './helpers/tf';

const flat: AdamWConfig = {
  ...DEFAULT_ADAMW,
  lr: 0.1,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.1,
  clipNorm: 0,
  warmupSteps: 0,
  totalSteps: 1,
  minLrRatio: 1,
};

describe.each(['cpu', 'wasm'] as const)('AdamW on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('matches hand-computed updates with decoupled decay, and skips decay for biases', () => {
    const params = new Map([
      ['h.0.mlp.c_fc.weight', tf.variable(tf.tensor1d([1]))],
      ['h.0.mlp.c_fc.bias', tf.variable(tf.tensor1d([1]))],
    ]);
    const opt = new AdamW(params, flat);
    const g = () => ({ 'h.0.mlp.c_fc.weight': tf.tensor1d([0.5]), 'h.0.mlp.c_fc.bias': tf.tensor1d([0.5]) });
    // Step 1: p ← p·(1 − lr·wd) = 0.99; m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25; p ← 0.99 − 0.1·0.5/(0.5 + 1e-8) = 0.89.
    opt.apply(g()).dispose();
    expect(params.get('h.0.mlp.c_fc.weight')!.dataSync()[0]).toBeCloseTo(0.89, 6);
    expect(params.get('h.0.mlp.c_fc.bias')!.dataSync()[0]).toBeCloseTo(0.9, 6); // no decay: 1 − 0.1
    // Step 2: m = 0.095, v = 0.00049975; m̂ = 0.095/0.19 = 0.5, v̂ = 0.00049975/0.001999 = 0.25 → p ← 0.89·0.99 − 0.1 = 0.7811.
    opt.apply(g()).dispose();
    expect(params.get('h.0.mlp.c_fc.weight')!.dataSync()[0]).toBeCloseTo(0.7811, 6);
    expect(params.get('h.0.mlp.c_fc.bias')!.dataSync()[0]).toBeCloseTo(0.8, 6);
    const state = opt.getState();
    expect(state.t).toBe(2);
    expect(state.m.get('h.0.mlp.c_fc.weight')![0]).toBeCloseTo(0.095, 7);
    expect(state.v.get('h.0.mlp.c_fc.weight')![0]).toBeCloseTo(0.00049975, 9);
    opt.dispose();
    tf.dispose([...params.values()]);
  });

  it('clips to the global norm and reports the norm before clipping', () => {
    const params = new Map([
      ['a.weight', tf.variable(tf.tensor1d([0]))],
      ['b.weight', tf.variable(tf.tensor1d([0]))],
    ]);
    const opt = new AdamW(params, { ...flat, weightDecay: 0, clipNorm: 1 });
    const norm = opt.apply({ 'a.weight': tf.tensor1d([3]), 'b.weight': tf.tensor1d([4]) });
    expect(norm.dataSync()[0]).toBeCloseTo(5, 5);
    norm.dispose();
    // Clipped gradient = (3, 4)·1/(5 + 1e-6) ≈ (0.6, 0.8); m = (1 − β1)·g.
    const m = opt.getState().m;
    expect(m.get('a.weight')![0]).toBeCloseTo(0.06, 6);
    expect(m.get('b.weight')![0]).toBeCloseTo(0.08, 6);
    opt.dispose();
    tf.dispose([...params.values()]);
  });

  it('leaves a gradient under the clip norm unchanged', () => {
    const params = new Map([['a.weight', tf.variable(tf.tensor1d([0, 0]))]]);
    const opt = new AdamW(params, { ...flat, weightDecay: 0, clipNorm: 10 });
    opt.apply({ 'a.weight': tf.tensor1d([3, 4]) }).dispose();
    expect(Array.from(opt.getState().m.get('a.weight')!)).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)]);
    opt.dispose();
    tf.dispose([...params.values()]);
  });

  it('updates only the trainable selection', () => {
    const params = new Map([
      ['a.weight', tf.variable(tf.tensor1d([1]))],
      ['b.weight', tf.variable(tf.tensor1d([1]))],
    ]);
    const opt = new AdamW(params, flat, (n) => n.startsWith('a'));
    opt.apply({ 'a.weight': tf.tensor1d([1]), 'b.weight': tf.tensor1d([1]) }).dispose();
    expect(params.get('a.weight')!.dataSync()[0]).not.toBe(1);
    expect(params.get('b.weight')!.dataSync()[0]).toBe(1);
    opt.dispose();
    tf.dispose([...params.values()]);
  });
});

describe('learning-rate schedule', () => {
  const c: AdamWConfig = { ...DEFAULT_ADAMW, lr: 1, warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 };
  it('warms up linearly', () => {
    expect(lrAt(0, c)).toBeCloseTo(0.1, 12);
    expect(lrAt(4, c)).toBeCloseTo(0.5, 12);
    expect(lrAt(9, c)).toBeCloseTo(1, 12);
  });
  it('decays by a cosine to the floor, then stays there', () => {
    expect(lrAt(10, c)).toBeCloseTo(1, 12);
    expect(lrAt(60, c)).toBeCloseTo(0.55, 12); // halfway: 0.1 + 0.45·(1 + cos π/2)
    expect(lrAt(35, c)).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(lrAt(110, c)).toBeCloseTo(0.1, 12);
    expect(lrAt(500, c)).toBeCloseTo(0.1, 12);
  });
  it('warmup-stable-decay: holds the peak, then falls in a straight line over the last 20% to the floor', () => {
    const w: AdamWConfig = { ...c, schedule: 'wsd', decayFraction: 0.2 }; // 110 steps: decay over the last 22, from step 88
    expect(lrAt(4, w)).toBeCloseTo(0.5, 12);
    expect(lrAt(10, w)).toBe(1);
    expect(lrAt(87, w)).toBe(1);
    expect(lrAt(88, w)).toBeCloseTo(1, 12);
    expect(lrAt(99, w)).toBeCloseTo(1 - 0.9 * (11 / 22), 12); // halfway down: 0.55
    expect(lrAt(110, w)).toBeCloseTo(0.1, 12);
    expect(lrAt(400, w)).toBeCloseTo(0.1, 12);
  });
});

describe('decay groups and global norm', () => {
  it('puts biases, LayerNorms and embeddings in the no-decay group', () => {
    for (const n of [
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.ln_1.weight',
      'transformer.ln_f.bias',
      'transformer.h.3.attn.c_attn.bias',
    ])
      expect(isNoDecay(n), n).toBe(true);
    for (const n of ['transformer.h.0.attn.c_attn.weight', 'transformer.h.1.mlp.c_proj.weight', 'lm_head.weight'])
      expect(isNoDecay(n), n).toBe(false);
  });

  it('sums 29 tensors correctly (pairwise, never addN)', async () => {
    await useBackend('cpu');
    const xs = Array.from({ length: 29 }, (_, i) => tf.fill([3], i + 1));
    const n = globalNorm(xs);
    let expected = 0;
    for (let i = 1; i <= 29; i++) expected += 3 * i * i;
    expect(n.dataSync()[0]).toBeCloseTo(Math.sqrt(expected), 3);
    tf.dispose([n, ...xs]);
  });
});
