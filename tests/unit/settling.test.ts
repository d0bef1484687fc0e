// Has a run settled: the change of each held-out curve over its last 10% of tokens, checked on curves whose change
// is worked out by hand, and the sentence the report adds.
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/core/metrics';
import { lastTenthChanges, settlingNote } from '../../src/core/experiment/settling';
import type { MetricRecord } from '../../src/core/experiment/runner';

const rec = (arm: string, seed: number, tokens: number, metric: string, value: number): MetricRecord => ({
  arm,
  seed,
  step: tokens / 10,
  tokens,
  metric,
  value,
});

describe('settling', () => {
  it('takes the last value minus the value at 90% of the tokens, averaged over seeds', () => {
    // Seed 0: evaluations at 0, 800, 1000 tokens with image loss 5, 3, 2.9 → at 900 tokens 2.95, change −0.05.
    // Seed 1: evaluations at 0, 1000 with 5, 2.8 → at 900 tokens 5 − 0.9 × 2.2 = 3.02, change −0.22. Mean −0.135.
    const r = [
      rec('pretrained', 0, 0, METRICS.valImageLoss, 5),
      rec('pretrained', 0, 800, METRICS.valImageLoss, 3),
      rec('pretrained', 0, 1000, METRICS.valImageLoss, 2.9),
      rec('pretrained', 1, 0, METRICS.valImageLoss, 5),
      rec('pretrained', 1, 1000, METRICS.valImageLoss, 2.8),
    ];
    const [s] = lastTenthChanges(r, [METRICS.valImageLoss]);
    expect(s.arm).toBe('pretrained');
    expect(s.seeds).toBe(2);
    expect(s.change).toBeCloseTo(-0.135, 12);
    expect(settlingNote([s], 0.05)).toBe(
      'Change of the held-out losses over the last 10% of the tokens (nats per token, mean over seeds): pretrained image −0.135. Not settled: pretrained image still moved by more than the 0.05-nat margin.',
    );
    expect(settlingNote([{ ...s, change: 0.01 }], 0.05)).toMatch(
      /pretrained image \+0\.010\. Every curve moved by less than the 0\.05-nat margin: settled at this length\.$/,
    );
  });
});
