// The first screen's numbers (src/app/answer-view.ts): per-arm means with 95% t-intervals and the paired difference
// against hand-computed values and against the recorded report's own difference curve, the budget a run reaches, the
// fitted y range, and the plain sentence read from a report (the recorded one and one per outcome), and the longer
// run's sentence beside it (the recorded budget axis, and hand-made reports), and the frozen runs' sentence (hand-made
// reports for each outcome).
import { PRESETS } from '../../src/core/experiment/config';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/core/metrics';
import { parseMetricsCsv } from '../../src/core/experiment/metrics-csv';
import {
  budgetTokens,
  diffCurve,
  evalCurve,
  finalTokens,
  fitY,
  plainSentence,
  controlSentence,
  longerSentence,
  frozenSentence,
  roundTokens,
  tokensPerStep,
} from '../../src/app/answer-view';
import type { Report } from '../../src/worker/protocol';

const V = METRICS.valImageLoss;
const rec = (arm: string, seed: number, step: number, tokens: number, value: number, metric: string = V) => ({
  arm,
  seed,
  step,
  tokens,
  metric,
  value,
});
// t_{0.975, 2} = 4.302652729749464 (tables); half width for sd 1 and n 3: 4.3026527 / √3.
const HALF3 = 4.302652729749464 / Math.sqrt(3);

describe('evalCurve and diffCurve', () => {
  const records = [
    rec('pretrained', 0, 10, 1000, 1),
    rec('pretrained', 1, 10, 1010, 2),
    rec('pretrained', 2, 10, 1020, 3),
    rec('scratch', 0, 10, 1000, 2),
    rec('scratch', 1, 10, 1010, 2),
    rec('scratch', 2, 10, 1020, 2),
    rec('pretrained', 0, 20, 2000, 0.5),
    rec('scratch', 1, 20, 2010, 0.7),
    rec('pretrained', 0, 30, 3000, NaN),
    rec('pretrained', 0, 10, 1000, 99, METRICS.trainImageLoss),
  ];
  it('gives the mean over seeds with the 95% t-interval, x the mean tokens; one seed has no width', () => {
    const c = evalCurve(records, V, 'pretrained');
    expect(c.map((p) => p.step)).toEqual([10, 20]);
    expect(c[0].x).toBeCloseTo(1010, 12);
    expect(c[0].mean).toBeCloseTo(2, 12);
    expect(c[0].lo).toBeCloseTo(2 - HALF3, 9);
    expect(c[0].hi).toBeCloseTo(2 + HALF3, 9);
    expect(c[0].n).toBe(3);
    expect(c[1]).toEqual({ step: 20, x: 2000, mean: 0.5, lo: 0.5, hi: 0.5, n: 1 });
    expect(evalCurve(records, V, 'pretrained', 1500).map((p) => p.step)).toEqual([10]);
  });
  it('pairs the arms by seed: the difference of each seed, then its mean and interval; unpaired seeds are left out', () => {
    const d = diffCurve(records, V, 'pretrained', 'scratch');
    expect(d.map((p) => p.step)).toEqual([10]); // step 20 has pretrained seed 0 and scratch seed 1 only
    expect(d[0].mean).toBeCloseTo(0, 12); // −1, 0, +1
    expect(d[0].lo).toBeCloseTo(-HALF3, 9);
    expect(d[0].hi).toBeCloseTo(HALF3, 9);
  });
  it('agrees with the recorded report: its difference at the end exactly, its difference curve (read at budget fractions) closely', () => {
    const records = parseMetricsCsv(readFileSync('public/runs/cpu/metrics.csv', 'utf8'), 'metrics.csv');
    const report = JSON.parse(readFileSync('public/runs/cpu/report.json', 'utf8')) as {
      effects: {
        image_loss: {
          diff: { mean: number; ci95: [number, number] };
          diffCurve: { tokens: number; mean: number; ci95: [number, number] }[];
        };
      };
    };
    const ours = diffCurve(records, V, 'pretrained', 'scratch');
    const end = ours[ours.length - 1];
    const { diff, diffCurve: theirs } = report.effects.image_loss;
    expect(end.mean).toBeCloseTo(diff.mean, 12);
    expect(end.lo).toBeCloseTo(diff.ci95[0], 12);
    expect(end.hi).toBeCloseTo(diff.ci95[1], 12);
    // The report reads each seed at the same fraction of its token budget (interpolating); here each point is an
    // evaluated step. Same points, x within 2%, means within 0.01 nats.
    expect(ours.length).toBe(theirs.length);
    ours.forEach((p, i) => {
      expect(Math.abs(p.x - theirs[i].tokens)).toBeLessThanOrEqual(0.02 * theirs[i].tokens + 1e-9);
      expect(Math.abs(p.mean - theirs[i].mean)).toBeLessThan(0.01);
    });
  });
});

describe('budget and axes', () => {
  it('reads tokens per step from each run’s latest record and plans a budget from it, or from the recorded run scaled by batch', () => {
    const r = [
      rec('a', 0, 5, 500, 1, 'train/x'),
      rec('a', 0, 10, 1200, 1, 'train/x'),
      rec('b', 0, 10, 800, 1, 'train/x'),
      rec('b', 0, 0, 0, 1, 'train/x'),
    ];
    expect(tokensPerStep(r, 'train/x')).toBeCloseTo((120 + 80) / 2, 12);
    expect(tokensPerStep([rec('a', 0, 0, 0, 1, 'train/x')], 'train/x')).toBeNull();
    expect(budgetTokens(120, 16, 100, { perStep: 1247, batchSize: 16 })).toBe(12000);
    expect(budgetTokens(120, 32, null, { perStep: 1000, batchSize: 16 })).toBe(240000);
    expect(budgetTokens(120, 32, null, null)).toBeNull();
  });
  it('fits y to the last three quarters of the run so far, holding the margin, padded by 8%', () => {
    const pt = (x: number, y: number) => ({ step: x, x, mean: y, lo: y, hi: y, n: 1 });
    const s = [[pt(0, 10), pt(10, 5), pt(50, 4), pt(100, 3)]];
    const [lo, hi] = fitY(s, 100, [-0.5, 0.5]);
    // Points at x ≥ 25: 4 and 3, plus ±0.5 → [−0.5, 4], padded by 0.36.
    expect(lo).toBeCloseTo(-0.5 - 0.36, 12);
    expect(hi).toBeCloseTo(4 + 0.36, 12);
    // Fewer than two points late in the run: all of them.
    expect(fitY([[pt(0, 10), pt(1, 8)]], 100)).toEqual([8 - 0.16, 10 + 0.16]);
  });
  it('rounds tokens to two significant figures for a sentence', () => {
    expect(roundTokens(561081)).toBe('560,000');
    expect(roundTokens(149573)).toBe('150,000');
    expect(roundTokens(95)).toBe('95');
  });
});

describe('the plain sentence', () => {
  const recorded = JSON.parse(readFileSync('public/runs/cpu/report.json', 'utf8')) as Report;
  it("says the recorded run's numbers: tokens, difference, interval, seeds, the band and the outcome", () => {
    const records = parseMetricsCsv(readFileSync('public/runs/cpu/metrics.csv', 'utf8'), 'metrics.csv');
    const t = finalTokens(records, V)!;
    const last = records.filter((r) => r.metric === V && r.step === PRESETS.cpu.steps);
    expect(last).toHaveLength(PRESETS.cpu.seeds * PRESETS.cpu.arms.length);
    expect(t).toBeCloseTo(last.reduce((a, r) => a + r.tokens, 0) / last.length, 6);
    const s = plainSentence(recorded, t)!;
    expect(s).toBe(
      'After 560,000 training tokens, the model that had read English first scored 0.086 lower (better) on the real images than the one that started blank: its likely range (−0.10 to −0.068, 10 seeds) lies below the grey “no real difference” band (±0.05), so reading English first helped.',
    );
  });
  it("says what the recorded run's shuffled control shows, and each of its outcomes in its own words", () => {
    expect(controlSentence(recorded)).toBe(
      "The same pre-trained weights shuffled within each matrix — their size kept, their English gone — drew as well as the pre-trained model (+0.00067, likely range −0.022 to +0.023, 10 seeds): what it did on images came from the weights' size, not from what they had read.",
    );
    const withControl = (verdict: string, detail: string | null, mean: number) =>
      ({
        ...recorded,
        otherArms: {
          image_loss: {
            'pretrained vs pretrained-shuffled': {
              verdict,
              detail,
              diff: { mean, ci95: [mean - 0.1, mean + 0.1], n: 4, sd: 0 },
            },
          },
        },
      }) as unknown as Report;
    expect(controlSentence(withControl('not reproduced', 'helped', -0.3))).toMatch(
      /drew worse than the pre-trained model \(−0\.30, likely range −0\.40 to −0\.20, 4 seeds\): what the weights had read helped/,
    );
    expect(controlSentence(withControl('not reproduced', 'hurt', 0.3))).toMatch(/drew better .* had read hurt\.$/);
    expect(controlSentence(withControl('inconclusive', null, 0.05))).toMatch(/cannot yet be told apart/);
    expect(controlSentence({ ...recorded, otherArms: undefined } as unknown as Report)).toBeNull();
  });
  const withA = (verdict: string, mean: number, ci95: [number, number] | null, n = 3) =>
    ({
      ...recorded,
      margin: 0.1,
      effects: {
        ...recorded.effects,
        image_loss: { ...recorded.effects.image_loss, verdict, diff: { mean, ci95, n, sd: 0 } },
      },
    }) as unknown as Report;
  it('says each outcome in its own words', () => {
    expect(plainSentence(withA('reproduced', 0.02, [-0.05, 0.09]), 1000)).toBe(
      'After 1,000 training tokens, the model that had read English first scored 0.020 higher (worse) on the real images than the one that started blank: its likely range (−0.050 to +0.090, 3 seeds) stays inside the grey “no real difference” band (±0.1), so reading English first did not help it draw.',
    );
    expect(plainSentence(withA('not reproduced', -0.3, [-0.4, -0.2]), null)).toMatch(
      /^At the end, .*0.30 lower \(better\).*\(−0.40 to −0.20, 3 seeds\) lies below the grey .*, so reading English first helped\.$/,
    );
    expect(plainSentence(withA('not reproduced', 0.3, [0.2, 0.4]), null)).toMatch(
      /lies above the grey .* made it worse\.$/,
    );
    expect(plainSentence(withA('inconclusive', 0.1, null, 1), null)).toMatch(
      /with 1 seed there is no range of likely differences/,
    );
    expect(
      plainSentence(
        {
          ...recorded,
          effects: { ...recorded.effects, image_loss: { ...recorded.effects.image_loss, diff: undefined } },
        } as unknown as Report,
        null,
      ),
    ).toBeNull();
  });
});

describe("the longer run's sentence", () => {
  const main = JSON.parse(readFileSync('public/runs/cpu/report.json', 'utf8')) as Report;
  const longer = JSON.parse(readFileSync('public/runs/budget/report.json', 'utf8')) as Report;
  it('says how many times the training the recorded budget run had, that its answer differs, its numbers and meaning', () => {
    // 2,242,913 image-loss tokens at its end against the cpu run's 560,7xx: 4.0×; A hurt there, helped here.
    expect(longerSentence(main, longer)).toBe(
      'With 4× the training (1,800 steps, each arm at its own swept rate; 8.6 passes over the same training images), another recorded run gave a different answer: +0.30 (+0.25 to +0.35, 5 seeds) — reading English first made it worse, the pre-trained model over-fitting them.',
    );
  });
  it('says "the same answer" when verdict and direction agree, falls back to steps × batch, and is null when not longer', () => {
    const like = (r: Report, steps: number, verdict: string, detail: string | null, keepTests: boolean) =>
      ({
        ...r,
        config: { ...r.config!, steps },
        meta: { ...r.meta, sweep: undefined },
        fit: undefined,
        effects: {
          ...r.effects,
          image_loss: {
            ...r.effects.image_loss,
            verdict,
            detail,
            tests: keepTests ? (r.effects.image_loss as { tests: unknown }).tests : undefined,
          },
        },
      }) as unknown as Report;
    const a = like(main, 450, 'not reproduced', 'hurt', false);
    // No checkpoint tokens: 900 steps × 16 against 450 × 16 = 2×, and the sentence has no token count.
    expect(longerSentence(a, like(longer, 900, 'not reproduced', 'hurt', false))).toMatch(
      /^With 2× the training \(900 steps\), another recorded run gave the same answer: \+0\.30 \(\+0\.25 to \+0\.35, 5 seeds\) — reading English first made it worse\.$/,
    );
    expect(longerSentence(a, like(longer, 600, 'reproduced', null, false))).toMatch(
      /^With 1\.3× the training \(600 steps\), another recorded run gave a different answer: .* — reading English first did not help\.$/,
    );
    expect(longerSentence(a, like(longer, 450, 'not reproduced', 'hurt', false))).toBeNull();
    // Passes over the images said from the report's fit; "over-fitting" only when the pre-trained arm's gap rule holds.
    const calm = {
      ...like(longer, 900, 'not reproduced', 'hurt', false),
      fit: { epochs: 4.25, gaps: [{ ...longer.fit!.gaps[0], heldOutChange: 0.01 }] },
    } as Report;
    expect(longerSentence(a, calm)).toMatch(
      /^With 2× the training \(900 steps; 4\.3 passes over the same training images\), .* made it worse\.$/,
    );
    expect(longerSentence(longer, main)).toBeNull();
  });
});

describe("the frozen runs' sentence", () => {
  const effect = (verdict: string, detail: string | null, mean: number, half = 0.02, n = 5) => ({
    verdict,
    detail,
    diff: { mean, ci95: [mean - half, mean + half], n, sd: 0 },
  });
  const report = (pairs: Record<string, unknown>) =>
    ({ margin: 0.05, effects: {}, otherArms: { image_loss: pairs } }) as unknown as Report;
  const body = effect('not reproduced', 'helped', -0.354, 0.016);
  it('says the frozen pair and, with the shuffled frozen control, whether the help is what the weights read or their size', () => {
    expect(frozenSentence(report({ 'pretrained-frozen vs scratch-frozen': body }))).toBe(
      "With the model's body frozen — only its embeddings, output layer and LayerNorms learning — the pre-trained body drew better than a frozen random one (−0.35, likely range −0.37 to −0.34, 5 seeds).",
    );
    const withControl = (e: unknown) =>
      frozenSentence(
        report({ 'pretrained-frozen vs scratch-frozen': body, 'pretrained-frozen vs pretrained-shuffled-frozen': e }),
      );
    expect(withControl(effect('not reproduced', 'helped', -0.2))).toMatch(
      /drew better than a frozen random one \(.*\), and better than the same weights shuffled \(−0\.20, likely range −0\.22 to −0\.18, 5 seeds\): frozen, what the weights had read helped beyond their size\.$/,
    );
    expect(withControl(effect('not reproduced', 'hurt', 0.2))).toMatch(
      /, but worse than the same weights shuffled .* hurt\.$/,
    );
    expect(withControl(effect('reproduced', null, 0.01))).toMatch(
      /the same weights shuffled drew as well \(\+0\.010, .*\): frozen too, the help came from the weights' size/,
    );
    // Beyond the margin at a quarter of the tokens, inside it at the end: a head start that did not last.
    expect(
      withControl({
        ...effect('not reproduced', 'helped', -0.009, 0.015),
        tests: [
          { outcome: 'lower', label: '25% of the tokens', mean: -0.084 },
          { outcome: 'equal', label: '100% of the tokens', mean: -0.009 },
        ],
      }),
    ).toMatch(
      /, and the same weights shuffled drew worse early on \(−0\.084 at 25% of the tokens\) but as well by the end \(−0\.0090, likely range −0\.024 to \+0\.0060, 5 seeds\): frozen, what the weights had read gave a head start, and the lasting help came from their size\.$/,
    );
    // An interval reaching into the ±0.05 band is too close to call, whatever the verdict's label.
    expect(withControl(effect('inconclusive', null, -0.06))).toMatch(
      /could not yet be told apart from it .* more seeds/,
    );
  });
  it('says what the recorded frozen runs (public/runs/frozen) show', () => {
    const frozen = JSON.parse(readFileSync('public/runs/frozen/report.json', 'utf8')) as Report;
    expect(frozenSentence(frozen)).toBe(
      "With the model's body frozen — only its embeddings, output layer and LayerNorms learning — the pre-trained body drew better than a frozen random one (−0.35, likely range −0.37 to −0.34, 5 seeds), and the same weights shuffled drew worse early on (−0.084 at 25% of the tokens) but as well by the end (−0.0085, likely range −0.023 to +0.0061, 5 seeds): frozen, what the weights had read gave a head start, and the lasting help came from their size.",
    );
  });
  it('says a frozen random body that does better, and is null without the frozen pair', () => {
    expect(
      frozenSentence(report({ 'pretrained-frozen vs scratch-frozen': effect('not reproduced', 'hurt', 0.2) })),
    ).toMatch(/the pre-trained body drew worse than a frozen random one \(\+0\.20/);
    expect(frozenSentence(report({ 'pretrained vs pretrained-shuffled': body }))).toBeNull();
    expect(frozenSentence({ margin: 0.05, effects: {} } as unknown as Report)).toBeNull();
  });
});
