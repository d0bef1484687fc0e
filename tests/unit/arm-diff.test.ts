// scripts/arm-diff.ts: the paired difference of two arms at their last common evaluation — against hand-computed
// values, and against the recorded frozen report's own difference for a pair it judges.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { armDiff } from '../../scripts/arm-diff';
import { parseMetricsCsv } from '../../src/core/experiment/metrics-csv';

const rec = (arm: string, seed: number, step: number, value: number, metric = 'val/image_loss') => ({
  arm,
  seed,
  step,
  tokens: step * 100,
  metric,
  value,
});

describe('armDiff', () => {
  it('pairs by seed at the last step: mean, sd and the 95% t-interval by hand', () => {
    const records = [
      ...[4.0, 4.2, 4.1].map((v, s) => rec('pretrained-mix', s, 10, v)),
      ...[3.9, 4.0, 4.1].map((v, s) => rec('pretrained', s, 10, v)),
      rec('pretrained-mix', 0, 5, 9), // an earlier step is not read
      rec('pretrained', 2, 10, 1, 'val/loss'), // nor another metric
    ];
    const d = armDiff(records, 'pretrained-mix', 'pretrained', 'val/image_loss');
    // Differences 0.1, 0.2, 0.0: mean 0.1, sd 0.1, half width t_{0.975,2} · 0.1 / √3 = 4.302652729749464 · 0.057735.
    expect(d.step).toBe(10);
    expect(d.perSeed.map((x) => Number(x.toFixed(12)))).toEqual([0.1, 0.2, 0]);
    expect(d.mean).toBeCloseTo(0.1, 12);
    expect(d.sd).toBeCloseTo(0.1, 12);
    const half = (4.302652729749464 * 0.1) / Math.sqrt(3);
    expect(d.ci95![0]).toBeCloseTo(0.1 - half, 10);
    expect(d.ci95![1]).toBeCloseTo(0.1 + half, 10);
  });
  it('leaves out a seed without both arms, and names what is missing', () => {
    const records = [rec('a', 0, 3, 1), rec('b', 0, 3, 0.5), rec('a', 1, 3, 2)];
    expect(armDiff(records, 'a', 'b', 'val/image_loss')).toMatchObject({ mean: 0.5, n: 1, ci95: null });
    expect(() => armDiff(records, 'c', 'b', 'val/image_loss')).toThrow('no val/image_loss for arm c');
    expect(() => armDiff([rec('a', 0, 3, 1)], 'a', 'b', 'val/image_loss')).toThrow(
      'no seed has val/image_loss for both a and b at step 3',
    );
  });
  it('gives the recorded frozen report its own difference for a pair it judges', () => {
    const records = parseMetricsCsv(readFileSync('public/runs/frozen/metrics.csv', 'utf8'));
    const report = JSON.parse(readFileSync('public/runs/frozen/report.json', 'utf8')) as {
      otherArms: { image_loss: Record<string, { diff: { mean: number; ci95: [number, number] } }> };
    };
    const want = report.otherArms.image_loss['pretrained-frozen vs scratch-frozen'].diff;
    const d = armDiff(records, 'pretrained-frozen', 'scratch-frozen', 'val/image_loss');
    expect(d.mean).toBeCloseTo(want.mean, 12);
    expect(d.ci95![0]).toBeCloseTo(want.ci95[0], 12);
    expect(d.ci95![1]).toBeCloseTo(want.ci95[1], 12);
  });
});
