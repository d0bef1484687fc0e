// Chart series transforms: debiased EMA by hand, min–max downsampling keeps extremes within the budget, seed bands,
// log-axis guards and the x-axis choice.
import { describe, expect, it } from 'vitest';
import { debiasedEma, forLogAxes, minMaxDownsample, seedBand, toPoints, type Point } from '../../src/app/charts/series';

const pts = (ys: number[]): Point[] => ys.map((y, x) => ({ x, y }));

describe('debiasedEma', () => {
  it('matches the hand computation and is unbiased from the first point', () => {
    // w = 0.5: last = 0.5·0 + 0.5·2 = 1 → 1/(1 − 0.5) = 2; then last = 0.5 + 0.5·4 = 2.5 → 2.5/0.75 = 3.333…
    const out = debiasedEma(pts([2, 4]), 0.5);
    expect(out[0].y).toBeCloseTo(2, 12);
    expect(out[1].y).toBeCloseTo(10 / 3, 12);
    expect(debiasedEma(pts([1, 5, 9]), 0).map((p) => p.y)).toEqual([1, 5, 9]);
    const constant = debiasedEma(pts(new Array(50).fill(7)), 0.999);
    for (const p of constant) expect(p.y).toBeCloseTo(7, 9); // no bias towards 0 even at w = 0.999
  });
  it('clamps w to 0.999 and carries over non-finite values', () => {
    expect(debiasedEma(pts([1, 3]), 5)[1].y).toBeCloseTo((0.999 * 0.001 * 1 + 0.001 * 3) / (1 - 0.999 ** 2), 9);
    const out = debiasedEma(pts([1, NaN, 1]), 0.9);
    expect(out.map((p) => p.y)).toEqual([1, 1, expect.closeTo(1, 12)]);
  });
});

describe('minMaxDownsample', () => {
  it('keeps short series as they are', () => {
    const s = pts([3, 1, 2]);
    expect(minMaxDownsample(s, 10)).toBe(s);
  });
  it('stays within the budget, in x order, and keeps the global extremes', () => {
    const ys = Array.from(
      { length: 100_000 },
      (_, i) => Math.sin(i / 500) + (i === 77_777 ? 10 : 0) - (i === 123 ? 10 : 0),
    );
    const out = minMaxDownsample(pts(ys), 1500);
    expect(out.length).toBeLessThanOrEqual(1500);
    expect(out.length).toBeGreaterThan(1000);
    for (let i = 1; i < out.length; i++) expect(out[i].x).toBeGreaterThan(out[i - 1].x);
    expect(Math.max(...out.map((p) => p.y))).toBe(Math.max(...ys));
    expect(Math.min(...out.map((p) => p.y))).toBe(Math.min(...ys));
  });
});

describe('seedBand, log axes and x choice', () => {
  it('gives mean and min–max across seeds at each x', () => {
    const band = seedBand([pts([1, 2, 3]), pts([3, 2, NaN]), [{ x: 5, y: 9 }]]);
    expect(band).toEqual([
      { x: 0, mean: 2, lo: 1, hi: 3, n: 2 },
      { x: 1, mean: 2, lo: 2, hi: 2, n: 2 },
      { x: 2, mean: 3, lo: 3, hi: 3, n: 1 },
      { x: 5, mean: 9, lo: 9, hi: 9, n: 1 },
    ]);
  });
  it('interpolates seeds that do not share an x (tokens, seconds), counting the seeds that cover each x', () => {
    // Seed A at 0, 100, 200 tokens; seed B at 0, 90, 210. At 90, A lies 90% of the way from 10 to 8: 8.2; at 100,
    // B lies 10/120 of the way from 7 to 5: 6.8333…; at 200, B is 110/120 of the way: 5.1666…; at 210 only B reaches.
    const a = [
      { x: 0, y: 10 },
      { x: 100, y: 8 },
      { x: 200, y: 6 },
    ];
    const b = [
      { x: 0, y: 10 },
      { x: 90, y: 7 },
      { x: 210, y: 5 },
    ];
    const band = seedBand([a, b]);
    expect(band.map((p) => p.x)).toEqual([0, 90, 100, 200, 210]);
    expect(band.map((p) => p.n)).toEqual([2, 2, 2, 2, 1]);
    const close = (got: number, want: number) => expect(got).toBeCloseTo(want, 12);
    close(band[1].mean, (8.2 + 7) / 2);
    close(band[1].lo, 7);
    close(band[1].hi, 8.2);
    close(band[2].mean, (8 + 7 - 2 / 12) / 2);
    close(band[3].lo, 7 - (2 * 110) / 120);
    expect(band[4]).toEqual({ x: 210, mean: 5, lo: 5, hi: 5, n: 1 });
    // The band has width where the seeds differ (exact matching gave zero width and a mean zig-zagging between seeds).
    expect(band.slice(1, 4).every((p) => p.hi > p.lo)).toBe(true);
  });
  it('drops what a log axis cannot place and maps the chosen x', () => {
    expect(forLogAxes(pts([0, 1, -2, 3]), true, true)).toEqual([
      { x: 1, y: 1 },
      { x: 3, y: 3 },
    ]);
    expect(forLogAxes(pts([0, 1]), false, false)).toHaveLength(2);
    const log = [{ step: 1, tokens: 100, seconds: 0.5, value: 4 }];
    expect(toPoints(log, 'tokens')).toEqual([{ x: 100, y: 4 }]);
    expect(toPoints(log, 'seconds')).toEqual([{ x: 0.5, y: 4 }]);
  });
});
