// The over-fitting note (src/core/experiment/overfitting.ts): each arm's held-out − training image loss at the end and
// how both moved over the last tenth, against hand-computed values, and against the recorded budget run's metrics.csv
// computed independently (a Python reading of the same file, float64, quoted to 4 decimals).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMetricsCsv } from '../../src/core/experiment/metrics-csv';
import { fitGaps, fitNote } from '../../src/core/experiment/overfitting';
import type { MetricRecord } from '../../src/core/experiment/runner';

const rec = (arm: string, seed: number, step: number, metric: string, value: number): MetricRecord => ({
  arm,
  seed,
  step,
  tokens: 100 * step,
  metric,
  value,
});

describe('over-fitting', () => {
  // pretrained: held-out 5 → 3.0 at step 9 → 3.2 (seed 0) or 3.1 → 3.1 (seed 1); training 4 − 0.1·step at steps 1…10.
  // Last tenth of 10 steps: step 10 (3.0); the tenth before: step 9 (3.1). scratch has one evaluation: left out.
  const records: MetricRecord[] = [];
  for (const [seed, at9, at10] of [
    [0, 3.0, 3.2],
    [1, 3.1, 3.1],
  ]) {
    records.push(rec('pretrained', seed, 0, 'val/image_loss', 5), rec('pretrained', seed, 9, 'val/image_loss', at9));
    records.push(rec('pretrained', seed, 10, 'val/image_loss', at10));
    for (let s = 1; s <= 10; s++) records.push(rec('pretrained', seed, s, 'train/image_loss', 4 - 0.1 * s));
  }
  records.push(rec('scratch', 0, 10, 'val/image_loss', 3));

  it('measures the gap and both changes over the last tenth, by hand', () => {
    const [g, ...rest] = fitGaps(records, ['pretrained', 'scratch']);
    expect(rest).toEqual([]);
    expect(g.arm).toBe('pretrained');
    expect(g.seeds).toBe(2);
    expect(g.heldOut).toBeCloseTo(3.15, 12);
    expect(g.train).toBeCloseTo(3.0, 12);
    expect(g.heldOutChange).toBeCloseTo(0.1, 12); // (0.2 + 0) / 2
    expect(g.trainChange).toBeCloseTo(-0.1, 12);
    expect(fitNote([g], (10 * 16) / 80, 0.05)).toBe(
      "The run passed over its training images 2.0 times. Held-out − training image-token loss at the end (training: the mean over the last 10% of the steps; mean over seeds): pretrained +0.150 (3.150 against 3.000). Over-fitting: pretrained's held-out image loss rose by 0.100 over the last 10% of the tokens while its training image loss fell by 0.100 (the textbook sign of over-fitting the repeated training images).",
    );
    // Within the margin, or with the training loss not falling: no arm named.
    expect(fitNote([g], null, 0.2)).toMatch(
      /^Held-out − training .*\. No arm's held-out image loss rose by more than the 0\.2-nat margin/,
    );
    expect(fitNote([{ ...g, trainChange: 0.01 }], null, 0.05)).toMatch(/No arm's held-out image loss rose/);
    expect(fitNote([], 2, 0.05)).toBeNull();
  });

  it("agrees with an independent reading of the budget run's metrics.csv", () => {
    const budget = parseMetricsCsv(readFileSync('public/runs/budget/metrics.csv', 'utf8'), 'metrics.csv');
    const [p, s] = fitGaps(budget, ['pretrained', 'scratch']);
    // python3 over the same file: held-out, training (mean of steps 1621…1800), changes; 5 seeds each.
    for (const [g, want] of [
      [p, { heldOut: 3.8955, train: 2.3851, heldOutChange: 0.1278, trainChange: -0.1554 }],
      [s, { heldOut: 3.5966, train: 2.5946, heldOutChange: 0.0007, trainChange: -0.0691 }],
    ] as const) {
      expect(g.seeds).toBe(5);
      for (const k of ['heldOut', 'train', 'heldOutChange', 'trainChange'] as const)
        expect(Math.abs(g[k] - want[k]), `${g.arm} ${k}`).toBeLessThan(6e-5);
    }
    expect(fitNote([p, s], (1800 * 16) / 3365, 0.05)).toMatch(
      /^The run passed over its training images 8\.6 times\. .*pretrained \+1\.510 .*scratch \+1\.002 .*Over-fitting: pretrained's held-out image loss rose by 0\.128 .* fell by 0\.155 \(/,
    );
  });
});
