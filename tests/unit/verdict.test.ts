// The statistics behind the verdicts against hand-computed values (Student's t has closed forms at 1 and 2 degrees of
// freedom: F(t) = ½ + atan(t)/π and F(t) = ½ + t / (2√(2 + t²))), and each rule of verdict.ts on per-seed inputs
// whose answer is known.
import { describe, expect, it } from 'vitest';
import { marginTest, ratioFromLogs, tCdf, tInterval, tQuantile } from '../../src/core/experiment/stats';
import { captionGapEffect, imageLossEffect, shareText, type PairedInput } from '../../src/core/experiment/verdict';
import { forgettingEffect, logRatio } from '../../src/core/experiment/verdict-forgetting';
import { detectable, seedsToDecideBound, seedsToDecideMargin } from '../../src/core/experiment/power';

const cdf1 = (t: number) => 0.5 + Math.atan(t) / Math.PI;
const cdf2 = (t: number) => 0.5 + t / (2 * Math.sqrt(2 + t * t));
const q2 = (p: number) => (2 * p - 1) / Math.sqrt(2 * p * (1 - p));

describe('Student t from the library', () => {
  it('matches the closed forms at df 1 and 2 and a table value at df 10', () => {
    for (const p of [0.9, 0.95, 0.975, 0.99, 0.995]) {
      expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 8);
      expect(tQuantile(p, 2)).toBeCloseTo(q2(p), 10);
    }
    for (const t of [-3, -0.5, 0, 1.2, 16.1658]) {
      expect(tCdf(t, 1)).toBeCloseTo(cdf1(t), 12);
      expect(tCdf(t, 2)).toBeCloseTo(cdf2(t), 12);
    }
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228139, 6); // standard tables
    expect(tQuantile(0.95, 4)).toBeCloseTo(2.131847, 6);
    expect(() => tQuantile(1, 3)).toThrow(/probability in \(0, 1\)/);
  });
});

describe('intervals and margin tests', () => {
  it('t-interval of 1, 2, 3: mean 2, sd 1, half-width t(0.975, 2)/√3', () => {
    const i = tInterval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.sd).toBeCloseTo(1, 12);
    expect(i.ci95![0]).toBeCloseTo(2 - 4.302652729749462 / Math.sqrt(3), 10);
    expect(i.ci95![1]).toBeCloseTo(2 + 4.302652729749462 / Math.sqrt(3), 10);
    expect(tInterval([5]).ci95).toBeNull();
  });

  it('TOST on 0.01, −0.01, 0 against ±0.05: se = 0.01/√3, p = 1 − F₂(5√3) = 0.0065362', () => {
    const t = marginTest([0.01, -0.01, 0], 0.05);
    expect(t.pEquivalent).toBeCloseTo(1 - cdf2(5 * Math.sqrt(3)), 12);
    expect(t.pEquivalent).toBeCloseTo(0.006536228780173237, 9);
    expect(t.ci90![1]).toBeCloseTo((q2(0.95) * 0.01) / Math.sqrt(3), 12);
    expect(t.pAbove).toBeCloseTo(cdf2(5 * Math.sqrt(3)), 12); // p of μ > +m, with the mean at 0: 1 − F(−5√3)
  });

  it('0.30, 0.36, 0.33 against ±0.05: 90% CI 0.2794 to 0.3806, p(above +m) = 1 − F₂(16.1658) = 0.0019024', () => {
    const t = marginTest([0.3, 0.36, 0.33], 0.05);
    expect(t.mean).toBeCloseTo(0.33, 14);
    expect(t.ci90![0]).toBeCloseTo(0.27942436617458855, 10);
    expect(t.ci90![1]).toBeCloseTo(0.3805756338254115, 10);
    expect(t.pAbove).toBeCloseTo(0.001902353124625944, 9);
    expect(t.pEquivalent!).toBeGreaterThan(0.99);
    expect(t.pBelow).toBeCloseTo(cdf2((0.33 + 0.05) / (0.03 / Math.sqrt(3))), 12);
  });

  it('a ratio on the log scale: ratios 4, 6, 9 → geometric mean 6, interval 6 ÷× 1.5^(t/√3)', () => {
    const r = ratioFromLogs([Math.log(4), Math.log(6), Math.log(9)]);
    const k = 1.5 ** (4.302652729749462 / Math.sqrt(3));
    expect(r.mean).toBeCloseTo(6, 12);
    expect(r.ci95![0]).toBeCloseTo(6 / k, 10);
    expect(r.ci95![1]).toBeCloseTo(6 * k, 10);
    expect(r.ci95![0]).toBeGreaterThan(0); // never negative, unlike a ratio-scale interval
  });
});

const paired = (diffs: number[], tokens = 1000): PairedInput => ({
  diffs,
  seeds: diffs.map((_, i) => i),
  excluded: [],
  tokens,
});
const allBudgets = (diffs: number[]) => [0.25, 0.5, 0.75, 1].map((f) => paired(diffs, 1000 * f));

describe('A: image-token loss', () => {
  it('equal within the margin at every budget and on the area → reproduced', () => {
    const e = imageLossEffect(allBudgets([0.004, -0.006, 0.001]), paired([0.002, -0.003, 0.001]), 0.05);
    expect(e.verdict).toBe('reproduced');
    expect(e.detail).toBeNull();
    expect(e.tests.map((t) => t.outcome)).toEqual(['equal', 'equal', 'equal', 'equal', 'equal']);
    expect(e.sentence).toMatch(/^Reproduced: pre-training did not help on image tokens/);
  });

  it('0.5 nats worse → not reproduced, hurt; 0.5 better → not reproduced, helped', () => {
    const hurt = imageLossEffect(allBudgets([0.48, 0.52, 0.5]), paired([0.5, 0.49, 0.51]), 0.05);
    expect([hurt.verdict, hurt.detail]).toEqual(['not reproduced', 'hurt']);
    expect(hurt.sentence).toMatch(/^Not reproduced — pre-training hurt/);
    const helped = imageLossEffect(allBudgets([-0.48, -0.52, -0.5]), paired([-0.5, -0.49, -0.51]), 0.05);
    expect([helped.verdict, helped.detail]).toEqual(['not reproduced', 'helped']);
  });

  it('another pair of arms is named in its sentence, not said to be pre-training helping, by the same rule', () => {
    const pair = { a: 'pretrained', b: 'pretrained-shuffled' };
    const same = imageLossEffect(allBudgets([0.004, -0.006, 0.001]), paired([0.002, -0.003, 0.001]), 0.05, pair);
    expect(same.verdict).toBe('reproduced');
    expect(same.sentence).toMatch(
      /^Equivalent: pretrained and pretrained-shuffled reach the same held-out image-token loss\. .* the difference pretrained − pretrained-shuffled lies within ±0\.05 nats/,
    );
    expect(same.sentence).not.toMatch(/pre-training/);
    const worse = imageLossEffect(allBudgets([0.48, 0.52, 0.5]), paired([0.5, 0.49, 0.51]), 0.05, pair);
    expect([worse.verdict, worse.detail]).toEqual(['not reproduced', 'hurt']);
    expect(worse.sentence).toMatch(
      /^Not equivalent — pretrained-shuffled is better: the held-out image-token loss of pretrained is higher than pretrained-shuffled's by more than 0\.05 nats at 25%, 50%, 75% and 100% of the tokens/,
    );
  });

  it('equal at the end but worse early is not "no help": hurt, naming the budget', () => {
    const e = imageLossEffect(
      [paired([0.4, 0.45, 0.5]), ...[0.5, 0.75, 1].map(() => paired([0.004, -0.006, 0.001]))],
      paired([0.1, 0.11, 0.12]),
      0.05,
    );
    expect([e.verdict, e.detail]).toEqual(['not reproduced', 'hurt']);
    expect(e.sentence).toMatch(/at 25% of the tokens and on the area/);
  });

  it('an interval with only its lower bound inside the margin is not "within" it: inconclusive', () => {
    const e = imageLossEffect(allBudgets([0.01, 0.3, 0.6]), paired([0.01, 0.3, 0.6]), 0.05);
    expect(e.verdict).toBe('inconclusive');
    expect(e.tests.every((t) => t.outcome === 'unclear')).toBe(true);
    expect(e.sentence).toMatch(
      /^Inconclusive: the image-token loss difference is neither within ±0\.05 nats at every budget nor beyond it at any/,
    );
  });

  it('one seed, or noise far wider than the margin → inconclusive', () => {
    expect(imageLossEffect(allBudgets([0]), paired([0]), 0.05).verdict).toBe('inconclusive');
    expect(imageLossEffect(allBudgets([0.3, -0.3, 0.05]), paired([0.2, -0.2, 0]), 0.05).verdict).toBe('inconclusive');
  });

  it('a difference just beyond the margin needs the Bonferroni-corrected p < 0.01, not 0.05', () => {
    // 0.12 ± sd 0.03 over 3 seeds: p(above 0.05) = 1 − F₂(0.07/(0.03/√3)) ≈ 0.0151 — significant alone, not after ÷5.
    const d = [0.09, 0.12, 0.15];
    const e = imageLossEffect(allBudgets(d), paired(d), 0.05);
    expect(e.tests[3].pAbove).toBeCloseTo(1 - cdf2(0.07 / (0.03 / Math.sqrt(3))), 10);
    expect(e.tests[3].pAbove!).toBeGreaterThan(0.01);
    expect(e.verdict).toBe('inconclusive');
    // Its power (scipy, tests/unit/reference/power_ref.py): 0.0979 from zero, 0.1552 beyond the margin at α/5; 5 seeds
    // would put 0.12 beyond +0.05 with 80% power at sd 0.03; TOST could not show equivalence at this noise.
    expect(e.power!.fromZero).toBeCloseTo(0.09792131, 6);
    expect(e.power!.fromBound).toBeCloseTo(0.15517513, 6);
    expect(e.power!.boundAlpha).toBeCloseTo(0.01, 12);
    expect(e.power!.seedsToDecide).toBe(5);
    expect(e.power!.seedsToDecide).toBe(seedsToDecideMargin(0.12, 0.03, 0.05, 0.05, 0.01));
    expect(e.power!.equivalentWithin).toBeNull();
    expect(e.sentence).toMatch(
      /could not show equivalence within ±0\.05 even if the arms were identical \(TOST at 3 seeds needs sd ≤ 0\.019\)\. At the observed difference of 0\.120 and noise, about 5 seeds would decide it\.$/,
    );
    // A decided verdict names no seeds to decide it.
    expect(
      imageLossEffect(allBudgets([0.48, 0.52, 0.5]), paired([0.5, 0.49, 0.51]), 0.05).power!.seedsToDecide,
    ).toBeNull();
  });
});

const gapCurve = (gaps: number[][]) =>
  gaps.map((d, i) => ({ ...paired(d, 1000 * (i / (gaps.length - 1))), fraction: i / (gaps.length - 1) }));

describe('B: caption head start', () => {
  it('a gap that closes early → reproduced, with the budget where it fell inside the margin', () => {
    const e = captionGapEffect(
      gapCurve([
        [1.4, 1.38, 1.42],
        [2.0, 2.1, 1.9],
        [0.3, 0.35, 0.25],
        [0.01, 0.0, -0.01],
        [0.0, 0.01, -0.01],
      ]),
      0.05,
    );
    expect(e.verdict).toBe('reproduced');
    expect(e.peak!.mean).toBeCloseTo(2.0, 12);
    expect(e.closedAt).toEqual({ fraction: 0.75, tokens: 750 });
    expect(e.diff.mean).toBeCloseTo(0, 12);
    expect(e.sentence).toMatch(
      /^Reproduced: .* vanishes — it falls inside \+0\.05 nats from 750 tokens \(75% of the run\)/,
    );
  });

  it('a gap that lasts → not reproduced, persists, with the share of the peak left', () => {
    const e = captionGapEffect(
      gapCurve([
        [1.4, 1.38, 1.42],
        [3.5, 3.55, 3.52],
        [2.0, 2.1, 1.9],
        [1.1, 1.15, 1.12],
      ]),
      0.05,
    );
    expect([e.verdict, e.detail]).toEqual(['not reproduced', 'persists']);
    expect(e.closedAt).toBeNull();
    expect(e.shareOfPeakLeft).toBeCloseTo(1.1233333 / 3.5233333, 6);
  });

  it('the reference is the zero-shot gap at step 0, not a transient peak inside the warmup', () => {
    // No gap at step 0, a 2-nat transient at 25% (the arms warming up at different rates), nothing after: the old
    // peak rule called this a head start that vanished; read from step 0 there was none.
    const transient = captionGapEffect(
      gapCurve([
        [0.0, 0.01, -0.01],
        [2.0, 2.1, 1.9],
        [0.01, 0.0, -0.01],
        [0.0, 0.01, -0.01],
        [0.0, -0.01, 0.01],
      ]),
      0.05,
    );
    expect([transient.verdict, transient.detail]).toEqual(['not reproduced', 'absent']);
    expect(transient.start!.fraction).toBe(0);
    expect(transient.peak!.mean).toBeCloseTo(2.0, 12);
    expect(transient.sentence).toMatch(
      /^Not reproduced — no head start: .* at step 0 \(zero-shot\).*The largest mean gap, 2\.00 nats after 250 tokens, is shown for information/,
    );
    // A head start of 1.4 nats at step 0 that keeps 1.12 at the end: persists, 80% of the start left.
    const kept = captionGapEffect(
      gapCurve([
        [1.4, 1.38, 1.42],
        [3.5, 3.55, 3.52],
        [2.0, 2.1, 1.9],
        [1.1, 1.15, 1.12],
      ]),
      0.05,
    );
    expect(kept.shareOfStartLeft).toBeCloseTo(1.1233333 / 1.4, 6);
    expect(kept.sentence).toContain(', 80% of the start)'); // 1.1233 / 1.4 = 0.8024
    expect(kept.rule).toMatch(/at step 0 \(zero-shot\)/);
  });

  it('says a gap that grew as a ratio of the start, not a percentage over 100', () => {
    // Start 0.09, 0.10, 0.11 (mean 0.10); end 2.86, 2.87, 2.88 (mean 2.87): 2.87 / 0.10 = 28.7, once "2870% of the start".
    const grew = captionGapEffect(
      gapCurve([
        [0.09, 0.1, 0.11],
        [1.5, 1.6, 1.7],
        [2.86, 2.87, 2.88],
      ]),
      0.05,
    );
    expect([grew.verdict, grew.detail]).toEqual(['not reproduced', 'persists']);
    expect(grew.shareOfStartLeft).toBeCloseTo(28.7, 9);
    expect(grew.sentence).toContain('tokens, 28.7× the start)');
    expect(grew.sentence).not.toMatch(/\d% of the start/);
    expect(shareText(28.7)).toBe('28.7× the start');
    expect(shareText(1)).toBe('100% of the start');
    expect(shareText(0.5)).toBe('50% of the start');
    expect(shareText(123.45)).toBe('123× the start');
  });

  it('carries its power on the end gap, and for an undecided end the seeds that would decide it', () => {
    // End gap 0.06, 0.05, 0.08: mean 0.0633, sd 0.01528; its 90% CI straddles +0.05, so inconclusive.
    const e = captionGapEffect(
      gapCurve([
        [1.4, 1.38, 1.42],
        [0.3, 0.35, 0.25],
        [0.06, 0.05, 0.08],
      ]),
      0.05,
    );
    expect(e.verdict).toBe('inconclusive');
    const sd = Math.sqrt(((0.06 - 0.19 / 3) ** 2 + (0.05 - 0.19 / 3) ** 2 + (0.08 - 0.19 / 3) ** 2) / 2);
    expect(e.power!.sd).toBeCloseTo(sd, 12);
    expect(e.power!.bound).toBe(0.05);
    expect(e.power!.fromZero).toBeCloseTo(detectable(sd, 3, null, 0.05, 0.05).fromZero, 12);
    expect(e.power!.seedsToDecide).toBe(seedsToDecideBound(0.19 / 3, sd, 0.05, 0.05));
    expect(e.power!.seedsToDecide).toBeGreaterThan(3);
    expect(e.sentence).toMatch(
      /Power \(the gap at the end of the run; paired t over 3 seeds at the observed sd 0\.015.*about \d+ seeds would decide it\.$/,
    );
  });

  it('no head start at all → not reproduced, absent; one seed → inconclusive', () => {
    const none = captionGapEffect(
      gapCurve([
        [0.0, 0.01, -0.01],
        [0.01, 0.0, 0.0],
        [0.0, -0.01, 0.01],
      ]),
      0.05,
    );
    expect([none.verdict, none.detail]).toEqual(['not reproduced', 'absent']);
    expect(captionGapEffect(gapCurve([[1.4], [2], [0]]), 0.05).verdict).toBe('inconclusive');
  });
});

describe('C: forgetting', () => {
  const english = (before: number[], after: number[]) => ({ seeds: before.map((_, i) => i), before, after });
  const none = { fullSoftmax: null, outOfDomain: null };
  it('×5 on every seed → reproduced, ratio and interval on the log scale', () => {
    const after = [4.2 + Math.log(4.5), 4.2 + Math.log(5), 4.2 + Math.log(5.5)];
    const e = forgettingEffect(english([4.2, 4.2, 4.2], after), 'text ids', none, 0.05);
    expect(e.verdict).toBe('reproduced');
    expect(e.ratio.mean).toBeCloseTo(Math.cbrt(4.5 * 5 * 5.5), 10);
    expect(e.diff.mean).toBeCloseTo(Math.log(Math.cbrt(4.5 * 5 * 5.5)), 10);
  });

  it('no forgetting → not reproduced, kept; a clear rise short of 2× → not reproduced, milder; straddling 2× → inconclusive', () => {
    const kept = forgettingEffect(english([4.2, 4.21, 4.19], [4.21, 4.2, 4.2]), 'text ids', none, 0.05);
    expect([kept.verdict, kept.detail]).toEqual(['not reproduced', 'kept']);
    const milder = forgettingEffect(english([4.2, 4.2, 4.2], [4.5, 4.52, 4.48]), 'text ids', none, 0.05);
    expect([milder.verdict, milder.detail]).toEqual(['not reproduced', 'milder']);
    expect(forgettingEffect(english([4.2, 4.2, 4.2], [4.6, 5.3, 4.9]), 'text ids', none, 0.05).verdict).toBe(
      'inconclusive',
    );
  });

  it('shows the full-softmax figure beside the text-ids headline', () => {
    const full = logRatio([4.3, 4.3, 4.3], [6.9, 7.0, 7.1], 0.05)!;
    const e = forgettingEffect(
      english([4.2, 4.2, 4.2], [5.9, 6.0, 6.1]),
      'text ids',
      { fullSoftmax: full, outOfDomain: null },
      0.05,
    );
    expect(e.fullSoftmax!.ratio.mean).toBeCloseTo(Math.exp(2.7), 10);
    expect(e.sentence).toMatch(/Over the full softmax, which also counts probability moved to the image ids: ×14\.88/);
  });
});
