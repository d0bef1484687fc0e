// The finish cache (caption analysis, quality classifier): a cached result equals a fresh one, a second call is
// served from the cache, and every input each reads changes its key (a changed setup never gets a stale result).
import { describe, expect, it } from 'vitest';
import { analysisKey, classifierKey, MemoryFinishCache } from '../../src/core/experiment/finish-cache';
import type { ExperimentData } from '../../src/core/experiment/data';
import { analyse, qualityFigure } from '../../src/core/experiment/extras';
import { cachedAnalysis } from '../../src/core/experiment/finish';
import { GPT, type GPTConfig } from '../../src/core/nn/gpt';
import * as tf from '../../src/core/tf';
import { useBackend } from './helpers/tf';

const lmCfg: GPTConfig = {
  vocabSize: 24,
  nPositions: 16,
  nEmbd: 8,
  nLayer: 1,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: false,
  initStd: 0.2,
};
const cfg = { captionBudget: 6, captionLmSteps: 2 } as const;

function fakeData(): ExperimentData {
  const P = 4;
  return {
    imageTokens: P,
    plan: { special: { bos: 20, boi: 21, eoi: 22, pad: 23 } },
    train: {
      count: 3,
      codes: Int32Array.from([1, 2, 3, 4, 2, 3, 4, 5, 5, 6, 7, 1]),
      captions: [[3, 4], [5, 6, 7], [8]],
      text: ['a red heart.', 'a blue car.', 'a cat.'],
    },
    val: { count: 1, captions: [[3, 5]], text: ['a red car.'] },
    english: { train: Int32Array.from({ length: 2000 }, (_, i) => i % 19), heldout: [], ood: [] },
  } as unknown as ExperimentData;
}
const corpus = 'The cat sat. A dog ran! Is it red?';

describe('the caption analysis cache', () => {
  it('gives the same Analysis as computing it, and serves the second call from the cache', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmCfg, 1, 'cache-lm');
    const data = fakeData();
    const fresh = await analyse({ ...cfg } as never, data, lm, corpus);
    const cache = new MemoryFinishCache();
    let puts = 0;
    const counting = {
      get: (k: string) => cache.get(k),
      put: (k: string, v: typeof fresh) => (puts++, cache.put(k, v)),
    };
    const cold = await cachedAnalysis(counting, cfg as never, data, lm, corpus);
    expect(cold).toEqual(fresh);
    const lines: string[] = [];
    const warm = await cachedAnalysis(counting, cfg as never, data, lm, corpus, (s) => lines.push(s));
    expect(warm).toEqual(fresh);
    expect(puts).toBe(1);
    expect(lines.join('\n')).toMatch(/from the cache/);
    lm.dispose();
  });

  it('changes its key with every input analyse reads', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmCfg, 1, 'key-lm');
    const base = await analysisKey(cfg, fakeData(), lm, corpus);
    expect(await analysisKey(cfg, fakeData(), lm, corpus)).toBe(base);
    const changed: [string, () => Promise<string>][] = [
      ['captionBudget', () => analysisKey({ ...cfg, captionBudget: 7 }, fakeData(), lm, corpus)],
      ['captionLmSteps', () => analysisKey({ ...cfg, captionLmSteps: 3 }, fakeData(), lm, corpus)],
      ['corpus', () => analysisKey(cfg, fakeData(), lm, corpus + ' More.')],
    ];
    const edits: [string, (d: ExperimentData) => void][] = [
      ['special ids', (d) => (d.plan.special.pad = 19)],
      ['image codes', (d) => (d.train.codes[5] = 9)],
      ['training captions', (d) => (d.train.captions[1][0] = 9)],
      ['training text', (d) => (d.train.text[0] = 'a pink heart.')],
      ['validation captions', (d) => (d.val.captions[0][1] = 6)],
      ['English stream', (d) => (d.english.train[100] = 18)],
      ['image tokens', (d) => (d.imageTokens = 2)],
    ];
    for (const [name, edit] of edits)
      changed.push([
        name,
        () => {
          const d = fakeData();
          edit(d);
          return analysisKey(cfg, d, lm, corpus);
        },
      ]);
    for (const [name, key] of changed) expect(await key(), name).not.toBe(base);
    // The LM's weights: one parameter nudged.
    const [name, v] = [...lm.params.entries()][0];
    v.assign(tf.add(v, 1e-3));
    expect(await analysisKey(cfg, fakeData(), lm, corpus), `LM parameter ${name}`).not.toBe(base);
    lm.dispose();
  });
});

describe('the quality classifier cache', () => {
  const S = 32;
  const img = (n: number, seed: number) =>
    Float32Array.from({ length: n * S * S * 3 }, (_, i) => ((i * 7 + seed) % 13) / 13);
  const real = { train: img(4, 1), trainCount: 4, val: img(2, 2), valCount: 2, size: S };
  const categories = { train: ['a', 'b', 'a', 'b'], val: ['a', 'b'] };
  const generated = [{ arm: 'scratch', seed: 0, pixels: img(2, 3) }];

  it('gives the same Quality trained afresh, from a cold cache and from a warm one', async () => {
    await useBackend('cpu');
    const fresh = await qualityFigure(real, categories, generated, 2, 3);
    const cache = new MemoryFinishCache();
    const cold = await qualityFigure(real, categories, generated, 2, 3, cache);
    const warm = await qualityFigure(real, categories, generated, 2, 3, cache);
    expect(fresh).not.toBeNull();
    expect(cold).toEqual(fresh);
    expect(warm).toEqual(fresh);
    // A warm hit on changed generated images still judges them afresh.
    const other = [{ arm: 'scratch', seed: 0, pixels: img(2, 5) }];
    expect(await qualityFigure(real, categories, other, 2, 3, cache)).toEqual(
      await qualityFigure(real, categories, other, 2, 3),
    );
  });

  it('changes its key with the real images, their labels and the steps', () => {
    const base = classifierKey(real, categories.train, 3);
    expect(classifierKey({ ...real }, [...categories.train], 3)).toBe(base);
    expect(classifierKey(real, categories.train, 4)).not.toBe(base);
    expect(classifierKey(real, ['a', 'b', 'b', 'b'], 3)).not.toBe(base);
    const train = real.train.slice();
    train[10] += 0.01;
    expect(classifierKey({ ...real, train }, categories.train, 3)).not.toBe(base);
    const val = real.val.slice();
    val[3] += 0.01;
    expect(classifierKey({ ...real, val }, categories.train, 3)).not.toBe(base);
  });
});
