// From metric records to chart series: grouping by arm, the mean and band across seeds (each seed smoothed first),
// transforms, log-axis cleaning, x as tokens or seconds (from logged step times), and band downsampling.
import { describe, expect, it } from 'vitest';
import { armSeries, downsampleBand, secondsByStep } from '../../src/app/charts/build';
import { METRICS } from '../../src/core/metrics';
import type { MetricRecord } from '../../src/worker/protocol';

const rec = (
  arm: string,
  seed: number,
  step: number,
  metric: string,
  value: number,
  tokens = step * 100,
): MetricRecord => ({ arm, seed, step, tokens, metric, value });
const opts = { x: 'step' as const, smoothing: 0, logX: false, logY: false, budget: 1500 };

describe('armSeries', () => {
  const records = [
    rec('scratch', 0, 1, METRICS.trainImageLoss, 4),
    rec('scratch', 1, 1, METRICS.trainImageLoss, 6),
    rec('scratch', 0, 2, METRICS.trainImageLoss, 2),
    rec('scratch', 1, 2, METRICS.trainImageLoss, 4),
    rec('pretrained', 0, 1, METRICS.trainImageLoss, 8),
    rec('pretrained', 0, 1, METRICS.lr, 0.1),
  ];

  it('groups by arm (sorted) and gives the mean and min–max across seeds', () => {
    const s = armSeries(records, METRICS.trainImageLoss, opts);
    expect(s.map((a) => a.arm)).toEqual(['pretrained', 'scratch']);
    expect(s[1].raw).toEqual([
      { x: 1, y: 5 },
      { x: 2, y: 3 },
    ]);
    expect(s[1].smooth).toEqual([
      { x: 1, mean: 5, lo: 4, hi: 6, n: 2 },
      { x: 2, mean: 3, lo: 2, hi: 4, n: 2 },
    ]);
  });

  it('smooths each seed with the debiased EMA before the band', () => {
    // w = 0.5, seed 0: 4, then (0.5·2 + 0.25·4)/0.75 = 2.666…; seed 1: 6, then (0.5·4 + 0.25·6)/0.75 = 4.666…
    const s = armSeries(records, METRICS.trainImageLoss, { ...opts, smoothing: 0.5 })[1];
    expect(s.smooth[1].lo).toBeCloseTo(8 / 3, 12);
    expect(s.smooth[1].hi).toBeCloseTo(14 / 3, 12);
    expect(s.smooth[1].mean).toBeCloseTo(11 / 3, 12);
    expect(s.raw[1].y).toBe(3); // the faint raw line is not smoothed
  });

  it('applies the transform, takes x from tokens, and drops what a log axis cannot show', () => {
    const s = armSeries([rec('a', 0, 0, 'm', 0, 0), rec('a', 0, 1, 'm', Math.log(10), 50)], 'm', {
      ...opts,
      x: 'tokens',
      transform: Math.exp,
      logX: true,
    });
    expect(s[0].raw).toHaveLength(1);
    expect(s[0].raw[0].x).toBe(50);
    expect(s[0].raw[0].y).toBeCloseTo(10, 12);
    const y = armSeries([rec('a', 0, 1, 'm', -1), rec('a', 0, 2, 'm', 2)], 'm', { ...opts, logY: true });
    expect(y[0].raw).toEqual([{ x: 2, y: 2 }]);
  });

  it('puts seconds on x from the logged step times, placing steps between logs at their own time', () => {
    const r = [
      rec('a', 0, 2, METRICS.stepMs, 500),
      rec('a', 0, 4, METRICS.stepMs, 1000),
      rec('a', 0, 0, 'm', 9),
      rec('a', 0, 2, 'm', 8),
      rec('a', 0, 3, 'm', 7),
      rec('a', 0, 4, 'm', 6),
      rec('a', 0, 5, 'm', 5),
    ];
    // A logged step time covers the steps since the previous log: steps 1–2 took 0.5 s each (1 s at step 2), steps 3–4
    // took 1 s each (3 s at step 4). So step 3 ended at 2 s; step 5, after the last log, at the last pace: 4 s.
    expect([...secondsByStep(r).get('a/0')!]).toEqual([
      [0, 0],
      [2, 1],
      [4, 3],
    ]);
    expect(armSeries(r, 'm', { ...opts, x: 'seconds' })[0].raw).toEqual([
      { x: 0, y: 9 },
      { x: 1, y: 8 },
      { x: 2, y: 7 },
      { x: 3, y: 6 },
      { x: 4, y: 5 },
    ]);
  });

  it('bands seeds on a tokens axis although no two seeds share a token count', () => {
    // Two seeds of one arm: seed 0 trains 100 tokens a step, seed 1 120. At seed 1's 120 tokens, seed 0 (from 2 at
    // 100 to 4 at 200) reads 2.4; at seed 0's 200, seed 1 (from 3 at 120 to 5 at 240) reads 4.333…
    const r = [
      rec('a', 0, 0, 'm', 0, 0),
      rec('a', 0, 1, 'm', 2, 100),
      rec('a', 0, 2, 'm', 4, 200),
      rec('a', 1, 0, 'm', 1, 0),
      rec('a', 1, 1, 'm', 3, 120),
      rec('a', 1, 2, 'm', 5, 240),
    ];
    const s = armSeries(r, 'm', { ...opts, x: 'tokens' })[0].smooth;
    expect(s.map((p) => [p.x, p.n])).toEqual([
      [0, 2],
      [100, 2],
      [120, 2],
      [200, 2],
      [240, 1],
    ]);
    expect(s[2].lo).toBeCloseTo(2.4, 12);
    expect(s[2].hi).toBe(3);
    expect(s[3].hi).toBeCloseTo(3 + (2 * 80) / 120, 12);
  });
});

describe('downsampleBand', () => {
  it('keeps the band within the budget and keeps its extremes', () => {
    const band = Array.from({ length: 10_000 }, (_, i) => ({
      x: i,
      mean: i === 5000 ? 99 : Math.sin(i / 100),
      lo: 0,
      hi: 1,
      n: 1,
    }));
    const out = downsampleBand(band, 1500);
    expect(out.length).toBeLessThanOrEqual(1500);
    expect(out.some((p) => p.mean === 99)).toBe(true);
    expect(downsampleBand(band.slice(0, 10), 1500)).toHaveLength(10);
  });
});
