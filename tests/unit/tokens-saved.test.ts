// Tokens saved (tokens-saved.ts) on synthetic curves whose truth is known: straight lines in tokens, so the linear
// interpolation between evaluations is exact and the crossing can be computed by hand.
import { describe, expect, it } from 'vitest';
import { seedPairs } from '../../src/core/experiment/curves';
import type { MetricRecord } from '../../src/core/experiment/runner';
import { firstReach, tokensSaved } from '../../src/core/experiment/tokens-saved';

/** Records of `arm` for seeds 0…, loss 5 − slope·t/1000 at t = 0, 100, …, 1000 tokens (10 tokens per step). */
function lines(arm: string, slopes: number[], until = 1000): MetricRecord[] {
  return slopes.flatMap((slope, seed) =>
    [...Array(11).keys()]
      .map((i) => 100 * i)
      .filter((t) => t <= until)
      .map((t) => ({ arm, seed, step: t / 10, tokens: t, metric: 'm', value: 5 - (slope * t) / 1000 })),
  );
}

describe('tokens saved', () => {
  it('first crossing, linear between evaluations', () => {
    const c = [
      { step: 0, tokens: 0, value: 5 },
      { step: 1, tokens: 100, value: 4 },
      { step: 2, tokens: 200, value: 3 },
    ];
    expect(firstReach(c, 3.5)).toBeCloseTo(150, 12);
    expect(firstReach(c, 6)).toBe(0);
    expect(firstReach(c, 2)).toBeNull();
  });

  it('scratch falls 1 nat over the run; pre-trained at slopes 2, 1.6, 1.25 reaches 4 at 50%, 62.5%, 80% of the budget', () => {
    const recs = [...lines('pretrained', [2, 1.6, 1.25]), ...lines('scratch', [1, 1, 1])];
    const t = tokensSaved(seedPairs(recs, 'pretrained', 'scratch', 'm', [0, 1, 2]), 'x');
    expect(t.perSeed.map((s) => s.share)).toEqual([
      expect.closeTo(0.5, 12),
      expect.closeTo(0.625, 12),
      expect.closeTo(0.8, 12),
    ]);
    const mean = (0.5 + 0.625 + 0.8) / 3;
    const sd = Math.sqrt(((0.5 - mean) ** 2 + (0.625 - mean) ** 2 + (0.8 - mean) ** 2) / 2);
    const half = (4.302652729749462 * sd) / Math.sqrt(3); // t(0.975, 2)
    expect(t.share!.mean).toBeCloseTo(mean, 12);
    expect(t.share!.ci95![0]).toBeCloseTo(mean - half, 12);
    expect(t.saved!.mean).toBeCloseTo(1 - mean, 12);
    expect(t.saved!.ci95![1]).toBeCloseTo(1 - mean + half, 12);
    expect(t.sentence).toBe(
      `Tokens saved on x: the pre-trained arm reached scratch's final loss at 64% of the budget (95% CI ${(100 * (mean - half)).toFixed(0)}% to ${(100 * (mean + half)).toFixed(0)}%, 3 seeds): it saved 36% of scratch's tokens.`,
    );
  });

  it('a pre-trained arm that never gets there saved nothing, names the seed and gives no interval; a stopped run is left out', () => {
    const recs = [
      ...lines('pretrained', [2, 0.5]),
      ...lines('scratch', [1, 1]),
      ...lines('pretrained', [2], 500).map((r) => ({ ...r, seed: 2 })),
      ...lines('scratch', [1]).map((r) => ({ ...r, seed: 2 })),
    ];
    const t = tokensSaved(seedPairs(recs, 'pretrained', 'scratch', 'm', [0, 1, 2]), 'x');
    expect(t.notReached).toEqual([1]);
    expect(t.excluded).toEqual([2]);
    expect(t.share).toBeNull();
    expect(t.saved).toBeNull();
    expect(t.sentence).toMatch(
      /none — the pre-trained arm never reached scratch's final loss within the budget in seed 1 \(the other seeds reached it at 50% of the budget\)/,
    );
    // Another pair names its own arms.
    const named = tokensSaved(seedPairs(recs, 'pretrained', 'scratch', 'm', [0, 1, 2]), 'x', {
      a: 'pretrained',
      b: "pretrained-shuffled's",
    });
    expect(named.sentence).toMatch(/none — pretrained never reached pretrained-shuffled's final loss within/);
  });
});
