// The learning-rate sweep: on a toy problem whose best rate is known in closed form it picks that rate, scores a
// diverging rate as Infinity, breaks ties towards the smaller rate; and the experiment's trainer runs every arm.
import { describe, expect, it } from 'vitest';
import { summariseSweep, sweepLearningRates, experimentTrainAt, type SweepCell } from '../../src/core/experiment/sweep';
import { PRESETS } from '../../src/core/experiment/config';
import { ExperimentRunner } from '../../src/core/experiment/runner';
import { planVocab } from '../../src/core/experiment/extend';
import { GPT } from '../../src/core/nn/gpt';
import { Rng } from '../../src/core/nn/init';
import { useBackend } from './helpers/tf';

/**
 * Toy: k steps of gradient descent on f(w) = ½·a·w² from w0; after k steps f = ½·a·w0²·(1 − lr·a)^(2k). The loss is
 * 0 at lr = 1/a exactly, and grows without bound for lr > 2/a. Each "seed" starts from another w0.
 */
function toyTrainAt(a: number, k: number) {
  return async (lr: number): Promise<SweepCell[]> =>
    [0.5, 1, 2].map((w0, seed) => {
      let w = w0;
      for (let i = 0; i < k; i++) w -= lr * a * w;
      const f = 0.5 * a * w * w;
      return { arm: 'pretrained' as const, lr, seed, valLoss: Number.isFinite(f) && f < 1e30 ? f : Infinity };
    });
}

describe('learning-rate sweep', () => {
  it('picks the known best rate on a toy problem, far from a rate that blows up', async () => {
    const a = 4; // best lr = 0.25; lr > 0.5 diverges
    const r = await sweepLearningRates([0.025, 0.1, 0.25, 0.45, 2], toyTrainAt(a, 10), { steps: 10, seeds: 3, schedule: 'constant' });
    expect(r.best.pretrained).toBe(0.25);
    expect(r.table.find((t) => t.lr === 2)!.mean).toBeGreaterThan(1e10); // |1 − lr·a| = 7: blows up
    expect(r.table.map((t) => t.lr)).toEqual([0.025, 0.1, 0.25, 0.45, 2]);
    expect(r.table.every((t) => t.n === 3)).toBe(true);
  });

  it('breaks a tie towards the smaller rate, and refuses when every rate diverges', async () => {
    const cells: SweepCell[] = [1e-3, 3e-3].flatMap((lr) => [0, 1].map((seed) => ({ arm: 'scratch' as const, lr, seed, valLoss: 2 + seed })));
    expect(summariseSweep(cells).best.scratch).toBe(1e-3);
    await expect(sweepLearningRates([1, 2], async (lr) => [{ arm: 'scratch', lr, seed: 0, valLoss: Infinity }], { steps: 1, seeds: 1, schedule: 'cosine' })).rejects.toThrow(/no learning rate at which scratch trained/);
    await expect(sweepLearningRates([1e-3], toyTrainAt(1, 1), { steps: 1, seeds: 1, schedule: 'cosine' })).rejects.toThrow(/two or more/);
  });

  it('trains every arm and seed at every rate with the experiment runner and frees what it made', async () => {
    await useBackend('cpu');
    const rng = new Rng(2);
    const plan = planVocab(20, new Map([['<|bos|>', 16], ['<|boi|>', 17], ['<|eoi|>', 18], ['<|pad|>', 19]]), 8);
    const split = (n: number) => ({ codes: Int32Array.from({ length: n * 4 }, () => rng.int(8)), captions: Array.from({ length: n }, () => [1 + rng.int(15)]), text: Array.from({ length: n }, (_, i) => `c${i}`), count: n });
    const stream = (n: number) => Array.from({ length: n }, () => rng.int(16));
    const data = { plan, imageTokens: 4, train: split(16), val: split(4), english: { train: Int32Array.from(stream(200)), heldout: stream(40), ood: stream(40) } };
    const lm = new GPT({ vocabSize: 20, nPositions: 16, nEmbd: 8, nLayer: 1, nHead: 2, layerNormEps: 1e-5, tieEmbeddings: true, initStd: 0.2 }, 5, 'sw-lm');
    const cfg = { ...PRESETS.smoke, captionBudget: 4, batchSize: 4, evalImages: 4, englishTokens: 30 };
    const { memory } = await import('../../src/core/tf');
    const before = memory().numTensors;
    const r = await sweepLearningRates([1e-3, 3e-2], experimentTrainAt(cfg, { steps: 3, seeds: 2 }, (c) => new ExperimentRunner(c, data, lm)), { steps: 3, seeds: 2, schedule: cfg.schedule });
    expect(r.cells.length).toBe(2 * 2 * 2); // rates × arms × seeds
    expect(r.cells.every((c) => Number.isFinite(c.valLoss) && c.valLoss > 0)).toBe(true);
    expect(Object.keys(r.best).sort()).toEqual(['pretrained', 'scratch']);
    expect(memory().numTensors).toBe(before);
    lm.dispose();
  });
});
