// The verdict on synthetic per-seed numbers with known answers, and the t-interval against hand-computed values.
import { describe, expect, it } from 'vitest';
import { tInterval, tQuantile975 } from '../../src/core/experiment/stats';
import { captionGapEffect, forgettingEffect, imageLossEffect } from '../../src/core/experiment/verdict';

describe('t-interval', () => {
  it('matches a hand computation', () => {
    // values 1, 2, 3: mean 2, sd 1, half-width t(2)·1/√3 = 4.303/1.732 = 2.484
    const i = tInterval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.sd).toBeCloseTo(1, 12);
    expect(i.ci95![0]).toBeCloseTo(2 - 4.303 / Math.sqrt(3), 10);
    expect(i.ci95![1]).toBeCloseTo(2 + 4.303 / Math.sqrt(3), 10);
    expect(tInterval([5]).ci95).toBeNull();
    expect(tQuantile975(1000)).toBeCloseTo(1.962, 2);
  });
});

describe('verdicts', () => {
  it('A: overlap within the margin is reproduced; a clear pre-training win is not; a wide interval is inconclusive', () => {
    expect(imageLossEffect([0.001, -0.003, 0.002]).verdict).toBe('reproduced');
    expect(imageLossEffect([-0.2, -0.25, -0.22]).verdict).toBe('not reproduced');
    const wide = imageLossEffect([0.1, -0.12, 0.02]);
    expect(wide.verdict).toBe('inconclusive');
    const hurt = imageLossEffect([0.45, 0.5, 0.48]);
    expect(hurt.verdict).toBe('reproduced');
    expect(hurt.sentence).toMatch(/^Reproduced, and more: pre-training did not help on image tokens — it hurt/);
    expect(imageLossEffect([0.0]).verdict).toBe('inconclusive'); // one seed
    expect(imageLossEffect([0.001, -0.003, 0.002]).sentence).toMatch(/^Reproduced: pre-training did not help on image tokens — the final image-token loss differs by 0\.000 \(95% CI -0\.007 to 0\.007, 3 seeds\)/);
  });

  it('B: a head start that mostly closes is reproduced; none, or one that persists, is not', () => {
    expect(captionGapEffect([1.2, 1.0, 1.1], [0.9, 0.85, 0.95]).verdict).toBe('reproduced');
    expect(captionGapEffect([-0.1, -0.11, -0.12], [0.1, 0.2, 0.3]).verdict).toBe('not reproduced');
    const persists = captionGapEffect([1.0, 1.1, 0.9], [0.1, 0.2, 0.15]);
    expect(persists.verdict).toBe('not reproduced');
    expect(persists.sentence).toMatch(/persists — only/);
    expect(captionGapEffect([1.4, 1.38, 1.42], [-0.97, -0.99, -0.96]).sentence).toMatch(/persists and grows/);
  });

  it('C: a ≥ 2× perplexity rise is reproduced, a small one is not', () => {
    expect(forgettingEffect([3.1, 2.8, 3.4]).verdict).toBe('reproduced');
    expect(forgettingEffect([1.2, 1.3, 1.25]).verdict).toBe('not reproduced');
    expect(forgettingEffect([1.5, 3.5, 2.5]).verdict).toBe('inconclusive');
  });
});
