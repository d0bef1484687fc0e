// Your run so far on the first screen: the latest evaluation every seed of both arms has reached, the arms' mean
// image-token loss, the caption gap and the English perplexity ratio since step 0 — against hand-computed values.
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/core/metrics';
import { liveSummary, liveSummaryText } from '../../src/app/live-summary';

const rec = (arm: string, seed: number, step: number, metric: string, value: number) => ({
  arm,
  seed,
  step,
  tokens: 100 * step,
  metric,
  value,
});

describe('live summary', () => {
  it('reads the latest step both arms’ seeds all reached, with hand-computed means', () => {
    const r = [
      ...[0, 1].flatMap((seed) => [
        rec('pretrained', seed, 0, METRICS.valImageLoss, 10),
        rec('scratch', seed, 0, METRICS.valImageLoss, 8),
        rec('pretrained', seed, 0, METRICS.valEnglishLossTextIds, 4),
        rec('pretrained', seed, 0, METRICS.valEnglishLoss, 4.5),
      ]),
      // Step 30: both seeds of both arms.
      rec('pretrained', 0, 30, METRICS.valImageLoss, 5),
      rec('pretrained', 1, 30, METRICS.valImageLoss, 5.2),
      rec('scratch', 0, 30, METRICS.valImageLoss, 5.5),
      rec('scratch', 1, 30, METRICS.valImageLoss, 5.3),
      rec('pretrained', 0, 30, METRICS.valTextLoss, 1),
      rec('pretrained', 1, 30, METRICS.valTextLoss, 1.2),
      rec('scratch', 0, 30, METRICS.valTextLoss, 2),
      rec('scratch', 1, 30, METRICS.valTextLoss, 2.4),
      rec('pretrained', 0, 30, METRICS.valEnglishLossTextIds, 6),
      rec('pretrained', 1, 30, METRICS.valEnglishLossTextIds, 7),
      // Step 60: only seed 0 of the pre-trained arm so far — not yet comparable.
      rec('pretrained', 0, 60, METRICS.valImageLoss, 4.5),
      rec('other-arm', 0, 90, METRICS.valImageLoss, 1),
    ];
    const s = liveSummary(r)!;
    expect(s.step).toBe(30);
    expect(s.seeds).toBe(2);
    expect(s.image.pretrained).toBeCloseTo(5.1, 12);
    expect(s.image.scratch).toBeCloseTo(5.4, 12);
    expect(s.captionGap).toBeCloseTo(1.1, 12); // (2 − 1 + 2.4 − 1.2) / 2
    expect(s.englishRatio).toBeCloseTo(Math.exp(2.5), 12); // text ids: (6 − 4 + 7 − 4) / 2, not the full softmax
    expect(liveSummaryText(s)).toBe(
      'Your run at step 30 (2 seeds): image tokens pre-trained 5.10 vs scratch 5.40 nats (−0.30) · caption gap +1.10 nats · pre-trained English perplexity ×12 since step 0',
    );
  });

  it('is null until both arms have an evaluation; at step 0 it has no ratio, and image-only captions give no gap', () => {
    expect(liveSummary([])).toBeNull();
    expect(liveSummary([rec('pretrained', 0, 0, METRICS.valImageLoss, 10)])).toBeNull();
    const s = liveSummary([
      rec('pretrained', 0, 0, METRICS.valImageLoss, 10),
      rec('scratch', 0, 0, METRICS.valImageLoss, 8),
      rec('pretrained', 0, 0, METRICS.valEnglishLoss, 4),
    ])!;
    expect([s.step, s.captionGap, s.englishRatio]).toEqual([0, null, null]);
    expect(liveSummaryText(s)).toBe(
      'Your run at step 0 (1 seed): image tokens pre-trained 10.00 vs scratch 8.00 nats (+2.00)',
    );
  });
});
