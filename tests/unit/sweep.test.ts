// The learning-rate sweep: on a toy problem whose best rate is known in closed form it picks that rate, scores a
// diverging rate as Infinity, breaks ties towards the smaller rate; and the experiment's trainer runs every arm.
import { describe, expect, it } from 'vitest';
import { sweepSection } from '../../src/core/experiment/html';
import {
  FAIR_SWEEP,
  neighbourA,
  experimentArmsTrainAt,
  fairProtocol,
  fairSweep,
  summariseSweep,
  sweepGrid,
  sweepLearningRates,
  experimentTrainAt,
  type SweepCell,
  type SweepProtocol,
} from '../../src/core/experiment/sweep';
import type { ArmName } from '../../src/core/experiment/config';
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
    const r = await sweepLearningRates([0.025, 0.1, 0.25, 0.45, 2], toyTrainAt(a, 10), {
      steps: 10,
      seeds: 3,
      schedule: 'constant',
    });
    expect(r.best.pretrained).toBe(0.25);
    expect(r.table.find((t) => t.lr === 2)!.mean).toBeGreaterThan(1e10); // |1 − lr·a| = 7: blows up
    expect(r.table.map((t) => t.lr)).toEqual([0.025, 0.1, 0.25, 0.45, 2]);
    expect(r.table.every((t) => t.n === 3)).toBe(true);
  });

  it('breaks a tie towards the smaller rate, and refuses when every rate diverges', async () => {
    const cells: SweepCell[] = [1e-3, 3e-3].flatMap((lr) =>
      [0, 1].map((seed) => ({ arm: 'scratch' as const, lr, seed, valLoss: 2 + seed })),
    );
    expect(summariseSweep(cells).best.scratch).toBe(1e-3);
    await expect(
      sweepLearningRates([1, 2], async (lr) => [{ arm: 'scratch', lr, seed: 0, valLoss: Infinity }], {
        steps: 1,
        seeds: 1,
        schedule: 'cosine',
      }),
    ).rejects.toThrow(/no learning rate at which scratch trained/);
    await expect(
      sweepLearningRates([1e-3], toyTrainAt(1, 1), { steps: 1, seeds: 1, schedule: 'cosine' }),
    ).rejects.toThrow(/two or more/);
  });

  it('trains every arm and seed at every rate with the experiment runner and frees what it made', async () => {
    await useBackend('cpu');
    const rng = new Rng(2);
    const plan = planVocab(
      20,
      new Map([
        ['<|bos|>', 16],
        ['<|boi|>', 17],
        ['<|eoi|>', 18],
        ['<|pad|>', 19],
      ]),
      8,
    );
    const split = (n: number) => ({
      codes: Int32Array.from({ length: n * 4 }, () => rng.int(8)),
      captions: Array.from({ length: n }, () => [1 + rng.int(15)]),
      text: Array.from({ length: n }, (_, i) => `c${i}`),
      count: n,
    });
    const stream = (n: number) => Array.from({ length: n }, () => rng.int(16));
    const data = {
      plan,
      imageTokens: 4,
      train: split(16),
      val: split(4),
      english: { train: Int32Array.from(stream(200)), heldout: stream(40), ood: stream(40) },
    };
    const lm = new GPT(
      {
        vocabSize: 20,
        nPositions: 16,
        nEmbd: 8,
        nLayer: 1,
        nHead: 2,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.2,
      },
      5,
      'sw-lm',
    );
    const cfg = { ...PRESETS.smoke, captionBudget: 4, batchSize: 4, evalImages: 4, englishTokens: 30 };
    const { memory } = await import('../../src/core/tf');
    const before = memory().numTensors;
    const r = await sweepLearningRates(
      [1e-3, 3e-2],
      experimentTrainAt(cfg, { steps: 3, seeds: 2 }, (c) => new ExperimentRunner(c, data, lm)),
      { steps: 3, seeds: 2, schedule: cfg.schedule },
    );
    expect(r.cells.length).toBe(2 * 2 * 2); // rates × arms × seeds
    expect(r.cells.every((c) => Number.isFinite(c.valLoss) && c.valLoss > 0)).toBe(true);
    expect(Object.keys(r.best).sort()).toEqual(['pretrained', 'scratch']);
    expect(memory().numTensors).toBe(before);
    lm.dispose();
  });
});

/**
 * Toy for the fair sweep: each arm's final loss is (ln(lr / optimum))² plus a per-seed offset (which cannot move the
 * argmin), Infinity above `diverges`. The best rate of a √2 grid is the one nearest the optimum in log-rate.
 */
function toyArms(optimum: Partial<Record<ArmName, number>>, diverges = Infinity) {
  const calls: { lr: number; arms: ArmName[] }[] = [];
  const trainAt = async (lr: number, arms: ArmName[]): Promise<SweepCell[]> => {
    calls.push({ lr, arms });
    return arms.flatMap((arm) =>
      [0, 1].map((seed) => ({
        arm,
        lr,
        seed,
        valLoss: lr > diverges ? Infinity : Math.log(lr / optimum[arm]!) ** 2 + 0.05 * seed,
      })),
    );
  };
  return { trainAt, calls };
}
const protocol = (over: Partial<SweepProtocol> = {}): SweepProtocol => ({
  centre: 0.006,
  ratio: Math.SQRT2,
  points: 6,
  steps: 450,
  seeds: 2,
  maxExtensions: 4,
  ...over,
});

describe('fair sweep (issue 20, item 4)', () => {
  it('a grid of 6 rates √2 apart around the centre; the protocol for a config runs at its full horizon', () => {
    const g = sweepGrid(0.006, Math.SQRT2, 6);
    expect(g).toEqual([0.002523, 0.003568, 0.005045, 0.007135, 0.01009, 0.01427]); // 0.006·2^((i − 2.5)/2) to 4 figures: 0.006 × 0.42045, × 0.59460, …
    for (let i = 1; i < g.length; i++) expect(g[i] / g[i - 1]).toBeCloseTo(Math.SQRT2, 3);
    expect(fairProtocol({ steps: 450, lr: 6e-3 })).toEqual({
      centre: 6e-3,
      ratio: Math.SQRT2,
      points: 6,
      steps: 450,
      seeds: 2,
      maxExtensions: 4,
    });
    expect(FAIR_SWEEP.points).toBeGreaterThanOrEqual(6);
  });

  it('extends the grid upwards for the arm whose optimum lies above it, and only that arm, until the best is inside', async () => {
    // scratch's optimum 0.004 is inside the first grid; pretrained's 0.02 is above it (the grid ends at 0.01427).
    const { trainAt, calls } = toyArms({ pretrained: 0.02, scratch: 0.004 });
    const r = await fairSweep(protocol(), trainAt, ['pretrained', 'scratch'], 'cosine');
    expect(r.best.scratch).toBe(0.003568); // |ln(0.003568/0.004)| = 0.114 < ln(0.005045/0.004) = 0.232
    expect(r.best.pretrained).toBe(0.02018); // 0.01427·√2, nearest 0.02 in log; 0.02854 was tried and is worse
    expect(calls.slice(6)).toEqual([
      { lr: 0.02018, arms: ['pretrained'] },
      { lr: 0.02854, arms: ['pretrained'] },
    ]);
    expect(r.unresolved).toEqual({});
    expect(r.table.filter((t) => t.arm === 'scratch')).toHaveLength(6);
    expect(r.table.filter((t) => t.arm === 'pretrained').every((t) => t.n === 2)).toBe(true);
    expect(r.lrs).toEqual([0.002523, 0.003568, 0.005045, 0.007135, 0.01009, 0.01427, 0.02018, 0.02854]);
    expect(r.steps).toBe(450);
  });

  it('extends downwards too; stops at a diverged rate; names an arm still at an edge after the bound', async () => {
    const low = await fairSweep(protocol(), toyArms({ scratch: 0.001 }).trainAt, ['scratch'], 'cosine');
    // Down from 0.002523 by √2: 0.001784, 0.001261, 0.0008917 (|ln(r/0.001)| = 0.115, the nearest), 0.0006305 (0.461,
    // worse): four extensions, the last one showing the best is inside.
    expect(low.best.scratch).toBe(0.0008917);
    expect(low.lrs.slice(0, 4)).toEqual([0.0006305, 0.0008917, 0.001261, 0.001784]);
    expect(low.unresolved).toEqual({});
    // The optimum 0.02 is above the grid but 0.02018 diverges: the best stays at 0.01427, which is not an edge.
    const wall = await fairSweep(protocol(), toyArms({ pretrained: 0.02 }, 0.015).trainAt, ['pretrained'], 'cosine');
    expect(wall.best.pretrained).toBe(0.01427);
    expect(wall.lrs).toEqual([0.002523, 0.003568, 0.005045, 0.007135, 0.01009, 0.01427, 0.02018]);
    // An optimum 16× above the grid's edge: 4 extensions (×4) are not enough; the arm keeps the last rate and is named.
    const lines: string[] = [];
    const far = await fairSweep(protocol(), toyArms({ pretrained: 0.5 }).trainAt, ['pretrained'], 'cosine', (l) =>
      lines.push(l),
    );
    expect(far.best.pretrained).toBe(0.05708); // 0.01427 × √2⁴, rounded at each step: 0.02018, 0.02854, 0.04036, 0.05708
    expect(far.unresolved).toEqual({ pretrained: 'high' });
    expect(lines[lines.length - 1]).toBe(
      'pretrained: best rate still at the high edge after 4 extensions; it keeps 0.05708',
    );
  });

  it('A at neighbouring rates: pretrained − scratch image loss paired by seed around each chosen rate, shown in the sweep section', async () => {
    // Image loss = 4 + (ln(lr/optimum))² + 0.1·seed: at the chosen pair the seeds' offsets cancel.
    const trainAt = async (lr: number, arms: ArmName[]): Promise<SweepCell[]> =>
      arms.flatMap((arm) =>
        [0, 1].map((seed) => {
          const v = Math.log(lr / (arm === 'pretrained' ? 0.01 : 0.005)) ** 2;
          return { arm, lr, seed, valLoss: v, imageLoss: 4 + v + 0.1 * seed };
        }),
      );
    const r = await fairSweep(protocol(), trainAt, ['pretrained', 'scratch'], 'cosine');
    expect([r.best.pretrained, r.best.scratch]).toEqual([0.01009, 0.005045]);
    const n = neighbourA(r, 'pretrained', 'scratch');
    expect(n).toHaveLength(9);
    const at = (a: number, b: number) => n.find((x) => x.lrA === a && x.lrB === b)!;
    const sq = (lr: number, opt: number) => Math.log(lr / opt) ** 2;
    expect(at(0.01009, 0.005045).mean).toBeCloseTo(sq(0.01009, 0.01) - sq(0.005045, 0.005), 12);
    expect(at(0.01427, 0.003568).mean).toBeCloseTo(sq(0.01427, 0.01) - sq(0.003568, 0.005), 12);
    expect(at(0.01427, 0.003568).n).toBe(2);
    const html = sweepSection(r);
    expect(html).toContain("6 rates 1.414× apart around 0.006, the main run's full 450 steps, 2 seeds");
    expect(html).toContain('A at neighbouring rates');
    expect(
      neighbourA({ ...r, cells: r.cells.map(({ imageLoss: _drop, ...c }) => c) }, 'pretrained', 'scratch'),
    ).toEqual([]);
  });

  it('refuses a protocol below the minimum', async () => {
    const { trainAt } = toyArms({ scratch: 0.004 });
    await expect(fairSweep(protocol({ points: 4 }), trainAt, ['scratch'], 'cosine')).rejects.toThrow(
      /6 or more rates, got 4/,
    );
    await expect(fairSweep(protocol({ seeds: 1 }), trainAt, ['scratch'], 'cosine')).rejects.toThrow(
      /2 or more seeds per rate, got 1/,
    );
  });

  it('the experiment trainer runs only the arms asked for and records their final image loss', async () => {
    await useBackend('cpu');
    const rng = new Rng(3);
    const plan = planVocab(
      20,
      new Map([
        ['<|bos|>', 16],
        ['<|boi|>', 17],
        ['<|eoi|>', 18],
        ['<|pad|>', 19],
      ]),
      8,
    );
    const split = (n: number) => ({
      codes: Int32Array.from({ length: n * 4 }, () => rng.int(8)),
      captions: Array.from({ length: n }, () => [1 + rng.int(15)]),
      text: Array.from({ length: n }, (_, i) => `c${i}`),
      count: n,
    });
    const stream = (n: number) => Array.from({ length: n }, () => rng.int(16));
    const data = {
      plan,
      imageTokens: 4,
      train: split(16),
      val: split(4),
      english: { train: Int32Array.from(stream(200)), heldout: stream(40), ood: stream(40) },
    };
    const lm = new GPT(
      {
        vocabSize: 20,
        nPositions: 16,
        nEmbd: 8,
        nLayer: 1,
        nHead: 2,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.2,
      },
      5,
      'sw-lm2',
    );
    const cfg = {
      ...PRESETS.smoke,
      arms: ['pretrained', 'scratch', 'pretrained-shuffled'] as ArmName[],
      captionBudget: 4,
      batchSize: 4,
      evalImages: 4,
      englishTokens: 30,
    };
    const cells = await experimentArmsTrainAt(
      cfg,
      { steps: 2, seeds: 2 },
      (c) => new ExperimentRunner(c, data, lm),
    )(1e-3, ['pretrained-shuffled']);
    expect(cells.map((c) => [c.arm, c.seed])).toEqual([
      ['pretrained-shuffled', 0],
      ['pretrained-shuffled', 1],
    ]);
    expect(cells.every((c) => Number.isFinite(c.imageLoss!) && c.imageLoss! > 0)).toBe(true);
    lm.dispose();
  });
});
