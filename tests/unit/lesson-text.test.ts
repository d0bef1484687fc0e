// What the first screen and the panels say, from their numbers: the status line (no phase word twice, what was asked
// shown at once), the verdict's intervals and why an undecided one cannot decide, the analysis sentences by their
// stated thresholds, and the quality figure's caveat.
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/experiment/config';
import { statusLine } from '../../src/app/status-line';
import { effectViews, intervalText, whyUndecided } from '../../src/app/verdict-view';
import { captionSentence, explainedShare, qualityCaveat, wordLikeSentence } from '../../src/app/analysis-text';
import type { Report, RunStatus } from '../../src/worker/protocol';

const status = (phase: RunStatus['phase'], message = '', extra: Partial<RunStatus> = {}): RunStatus => ({
  phase,
  message,
  progress: null,
  step: 5,
  steps: 600,
  runs: 2,
  stepsLeft: 1190,
  stepMs: 100,
  evalMs: 1000,
  evalEvery: 30,
  saveMsPerStep: null,
  tokensPerSecond: 900,
  numTensors: 10,
  numBytes: 1,
  ...extra,
});
/** True when some word appears twice in a row, ignoring case and punctuation ("paused — paused"). */
const repeats = (s: string) =>
  s
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean)
    .some((w, i, ws) => i > 0 && ws[i - 1] === w);

describe('status line', () => {
  it('names each phase once, with the step, and never repeats a word', () => {
    const lines = [
      statusLine(status('paused'), null),
      statusLine(status('running'), null),
      statusLine(
        status('preparing', 'evaluating every run at step 0', { progress: { what: 'x', done: 1, total: 2 } }),
        null,
      ),
      statusLine(status('done', 'the report is ready', { step: 600 }), null),
      statusLine(status('failed', 'the loss became NaN'), null),
      statusLine(null, null),
    ];
    expect(lines).toEqual([
      'Paused · step 5 / 600',
      'Training · step 5 / 600',
      'Preparing: evaluating every run at step 0 (1 / 2)',
      'Done · step 600 / 600 — the report is ready',
      'Stopped',
      'Ready',
    ]);
    for (const l of lines) expect(repeats(l), l).toBe(false);
  });
  it('shows what the user asked for until the worker acts', () => {
    expect(statusLine(status('running'), 'pausing')).toBe('Pausing… (after the step in progress) · step 5 / 600');
    expect(statusLine(status('preparing'), 'cancelling')).toBe('Cancelling the preparation…');
    expect(statusLine(status('paused'), 'stepping')).toBe('Stepping every run once… · step 5 / 600');
  });
});

const report = (effects: Record<string, unknown>, seeds = 3, steps = 150): Report =>
  ({
    preset: 'x',
    config: { ...PRESETS.cpu, steps, seeds },
    seeds,
    arms: ['pretrained', 'scratch'],
    effects,
    meta: {},
  }) as unknown as Report;

describe('verdict view', () => {
  it('writes each effect’s number with its interval in that effect’s unit', () => {
    expect(intervalText('image_loss', { mean: 0.32644, ci95: [0.24185, 0.41104], n: 3 })).toBe(
      '+0.326 nats (95% CI 0.242 to 0.411, 3 seeds)',
    );
    expect(intervalText('caption_gap', { mean: 0.1186, ci95: [0.04883, 0.1884], n: 3 })).toBe(
      '0.119 nats left (95% CI 0.0488 to 0.188, 3 seeds)',
    );
    expect(intervalText('forgetting', { mean: 18.08, ci95: [3.0467, 33.11], n: 3 })).toBe(
      '×18.1 (95% CI 3.05 to 33.1, 3 seeds)',
    );
    expect(intervalText('forgetting', { mean: 1.5, ci95: null, n: 1 })).toBe('×1.50 (one seed: no interval)');
    expect(intervalText('image_loss', undefined)).toBe('—');
  });
  it('says why an undecided verdict cannot decide: no interval from one seed, or an interval across the threshold', () => {
    expect(whyUndecided({ mean: 0.1, ci95: null, n: 1 }, 24)).toBe(
      'With one seed there is no 95% interval, so no rule can be applied: run at least 2 seeds (3 or more for a useful interval). This run trained 24 steps per arm.',
    );
    expect(whyUndecided({ mean: 0.01, ci95: [-0.05, 0.07], n: 3 }, null)).toBe(
      'The 95% interval (−0.0500 to 0.0700, width 0.120) reaches across the rule’s threshold, so the 3 seeds disagree too much to decide: add seeds or steps to narrow it.',
    );
    expect(whyUndecided({ mean: 0.01, ci95: [-0.05, 0.07], n: 3 }, null, 18)).toBe(
      'The 95% interval (−0.0500 to 0.0700, width 0.120) reaches across the rule’s threshold, so the 3 seeds disagree too much to decide: add seeds or steps to narrow it. At the noise this run showed, about 18 seeds would decide it (80% power).',
    );
  });
  it('says why an undecided B cannot decide from the 90% interval its rule read, not the end gap shown', () => {
    // The pooled smoke class of docs/class.md: 1.48 nats left at the end (95% CI far above +0.05), but the head start
    // at step 0 straddles +0.05 — the end's interval is no reason.
    const gap = (mean: number, ci90: [number, number], tokens: number, fraction: number) => ({
      mean,
      ci90,
      ci95: [ci90[0] - 0.05, ci90[1] + 0.05],
      n: 4,
      tokens,
      fraction,
    });
    const start = gap(0.052, [-0.024, 0.128], 0, 0);
    const end = gap(1.48, [1.33, 1.64], 1902, 1);
    const b = (s: unknown, e: unknown) =>
      effectViews(
        report(
          {
            caption_gap: {
              verdict: 'inconclusive',
              diff: { mean: 1.48, ci95: [1.27, 1.69], n: 4 },
              sentence: 'S.',
              power: { seedsToDecide: null },
              start: s,
              gapCurve: [s, e],
            },
          },
          4,
          6,
        ),
      )[1].why;
    expect(b(start, end)).toBe(
      'The head start at step 0 (90% CI −0.0240 to 0.128 nats) reaches across +0.05, so the 4 seeds cannot tell whether there was one: add seeds to narrow it. This run trained 6 steps per arm.',
    );
    // A head start, and the end's interval across +0.05: the end is the reason.
    expect(b(gap(0.5, [0.4, 0.6], 0, 0), gap(0.06, [0.01, 0.11], 1902, 1))).toMatch(
      /^The gap left at the end \(90% CI 0\.0100 to 0\.110 nats\) reaches across \+0\.05, so the 4 seeds cannot tell whether it vanished/,
    );
    // Neither point reported (an older report.json): the interval shown, as for A and C.
    expect(b(null, undefined)).toMatch(/^The 95% interval \(1\.27 to 1\.69/);
  });
  it("shows forgetting as the ratio (report.json's diff is its log), not the log as a ratio", () => {
    const [, , c] = effectViews(
      report({
        forgetting: {
          verdict: 'reproduced',
          diff: { mean: Math.log(60.47), ci95: [Math.log(36.78), Math.log(99.42)], n: 3 },
          ratio: { mean: 60.47, ci95: [36.78, 99.42], n: 3 },
          sentence: 'S.',
        },
      }),
    );
    expect(c.interval).toBe('×60.5 (95% CI 36.8 to 99.4, 3 seeds)');
  });
  it('reads report.json as it is: verdict, an optional detail, and no crash on absent fields', () => {
    const v = effectViews(
      report(
        {
          image_loss: {
            verdict: 'reproduced',
            detail: 'hurt',
            diff: { mean: 0.3, ci95: [0.2, 0.4], n: 3 },
            sentence: 'S.',
          },
          forgetting: { verdict: 'inconclusive', diff: { mean: 2, ci95: null, n: 1 }, sentence: 'T.' },
        },
        1,
        24,
      ),
    );
    expect(v.map((e) => [e.key, e.verdict, e.detail, e.why !== null])).toEqual([
      ['image_loss', 'reproduced', 'hurt', false],
      ['caption_gap', 'not measured', null, false],
      ['forgetting', 'inconclusive', null, true],
    ]);
    expect(v[2].why).toMatch(/^With one seed there is no 95% interval.* This run trained 24 steps per arm\.$/);
  });
});

const tokens = (unigram: number, conditional: number) => ({
  tokens: 100,
  types: 10,
  unigramEntropy: unigram,
  bigramConditionalEntropy: conditional,
  zipf: [],
});

describe('analysis sentences follow their numbers', () => {
  it('computes the share the previous token explains', () => {
    expect(explainedShare({ unigramEntropy: 8, bigramConditionalEntropy: 6 })).toBe(25); // 100 · (1 − 6/8)
  });
  it('uses “far” only 20 points or more below English, “somewhat” from 5, and says when they are alike', () => {
    // English: 1 − 4.5/9 = 50%. Image tokens at 25% (25 points below), 40% (10 below), 47% (3 below), 60% (10 above).
    const english = tokens(9, 4.5);
    expect(wordLikeSentence({ imageTokens: tokens(8, 6), englishTokens: english })).toMatch(
      /^Image tokens are far less word-like: the previous token explains 25 points less/,
    );
    expect(wordLikeSentence({ imageTokens: tokens(10, 6), englishTokens: english })).toMatch(
      /^Image tokens are somewhat less word-like: .*10 points less/,
    );
    expect(wordLikeSentence({ imageTokens: tokens(10, 5.3), englishTokens: english })).toMatch(
      /^Image tokens are about as predictable from the previous token as English here/,
    );
    expect(wordLikeSentence({ imageTokens: tokens(10, 4), englishTokens: english })).toMatch(
      /^Image tokens are more predictable .* by 10 points\.$/,
    );
    // The case: 65% vs 69% is not "far".
    expect(wordLikeSentence({ imageTokens: tokens(10, 3.5), englishTokens: tokens(10, 3.1) })).not.toMatch(/far/);
  });
  it('calls captions easy only when the caption LM is at least 2× better', () => {
    expect(
      captionSentence({
        scratchCaptionLM: 5.3,
        pretrainedLM: 631,
        scratchCaptionLMParams: 233024,
        pretrainedLMParams: 1,
      }),
    ).toMatch(/^Captions are easy to learn from nothing: .* 119× lower/);
    expect(
      captionSentence({
        scratchCaptionLM: 40,
        pretrainedLM: 60,
        scratchCaptionLMParams: 233024,
        pretrainedLMParams: 1,
      }),
    ).toMatch(/not at least 2× better/);
  });
  it('reads a quality figure only when its classifier beats twice chance', () => {
    const q = (acc: number) => ({
      classes: Array.from({ length: 10 }, (_, i) => `c${i}`),
      classifierValAccuracy: acc,
      samples: 4,
      perArm: {},
      perSeed: {},
    });
    expect(qualityCaveat(q(0.885))).toBeNull();
    expect(qualityCaveat(q(0))).toBe(
      'The category classifier gets 0.0% of real held-out images right — under 2× chance (10% for 10 classes) — so it cannot judge generated images yet: the run was too short for it.',
    );
    expect(qualityCaveat(q(0.2))).toBeNull(); // exactly twice chance counts
  });
});
