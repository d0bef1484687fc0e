// The first screen's sentences on the image-only pair and the English mix (src/app/answer-view.ts: imageOnlySentence,
// mixSentence), read from hand-made reports for each outcome — the numbers in them hand-written here — and null when
// a report lacks the arms; and the recorded run's exact sentences.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageOnlySentence, mixSentence } from '../../src/app/answer-view';
import type { Report } from '../../src/worker/protocol';

const effect = (verdict: string, detail: string | null, mean: number, half = 0.02, n = 5) => ({
  verdict,
  detail,
  diff: { mean, ci95: [mean - half, mean + half], n, sd: 0 },
});
const ratio = (mean: number, lo: number, hi: number, n = 5) => ({ ratio: { mean, ci95: [lo, hi], n } });
const report = (over: { pairs?: Record<string, unknown>; forgetting?: Record<string, unknown>; main?: unknown }) =>
  ({
    margin: 0.05,
    config: { mixShare: 0.25 },
    effects: over.main ? { forgetting: over.main } : {},
    otherArms: { image_loss: over.pairs ?? {}, forgetting: over.forgetting ?? {} },
  }) as unknown as Report;
const PAIR = 'image-only-pretrained vs image-only-scratch';

describe('the image-only sentence', () => {
  it('says each outcome by where the interval lies against the ±0.05 band', () => {
    expect(imageOnlySentence(report({ pairs: { [PAIR]: effect('not reproduced', 'helped', -0.12) } }))).toBe(
      'Trained on the images alone, with no captions at all, the model that had read English first drew better than one that started blank (−0.12, likely range −0.14 to −0.10, 5 seeds).',
    );
    expect(imageOnlySentence(report({ pairs: { [PAIR]: effect('not reproduced', 'hurt', 0.2) } }))).toMatch(
      /first drew worse than one that started blank \(\+0\.20, likely range \+0\.18 to \+0\.22, 5 seeds\)\.$/,
    );
    expect(imageOnlySentence(report({ pairs: { [PAIR]: effect('reproduced', null, 0.01) } }))).toMatch(
      /drew as well as one that started blank, as the paper found \(\+0\.010,/,
    );
    // −0.06 ± 0.02 reaches into the band: too close to call, whatever the label.
    expect(imageOnlySentence(report({ pairs: { [PAIR]: effect('inconclusive', null, -0.06) } }))).toMatch(
      /could not yet be told apart from one that started blank/,
    );
  });
  it('is null without the image-only pair', () => {
    expect(
      imageOnlySentence(report({ pairs: { 'pretrained-frozen vs scratch-frozen': effect('x', null, 1) } })),
    ).toBeNull();
    expect(imageOnlySentence({ margin: 0.05, effects: {} } as unknown as Report)).toBeNull();
  });
});

describe('the English mix sentence', () => {
  const main = ratio(89, 70, 112);
  it('says less forgetting when the intervals do not overlap, with the share and both ratios', () => {
    expect(mixSentence(report({ main, forgetting: { 'pretrained-mix': ratio(1.91, 1.71, 2.14) } }))).toBe(
      'Fine-tuned with 25% ordinary English mixed into every batch, it forgot less English: its perplexity on English grew ×1.91 (likely range ×1.71 to ×2.14), against ×89 (likely range ×70 to ×112) without the mix (5 seeds).',
    );
  });
  it('says more forgetting, or too close to call when the intervals overlap', () => {
    expect(mixSentence(report({ main, forgetting: { 'pretrained-mix': ratio(150, 120, 190) } }))).toMatch(
      /, it forgot more English: .* grew ×150 \(likely range ×120 to ×190\), against ×89/,
    );
    expect(mixSentence(report({ main, forgetting: { 'pretrained-mix': ratio(60, 40, 80) } }))).toMatch(
      /, it could not yet be told to forget less English or more: /,
    );
  });
  it('is null without the mix arm or the main ratio', () => {
    expect(mixSentence(report({ main }))).toBeNull();
    expect(mixSentence(report({ forgetting: { 'pretrained-mix': ratio(2, 1.5, 2.5) } }))).toBeNull();
  });
});

describe('the recorded other arms (public/runs/other-arms)', () => {
  it('says what the image-only pair and the English mix show', () => {
    const recorded = JSON.parse(readFileSync('public/runs/other-arms/report.json', 'utf8')) as Report;
    expect(imageOnlySentence(recorded)).toBe(
      'Trained on the images alone, with no captions at all, the model that had read English first drew better than one that started blank (−0.15, likely range −0.19 to −0.11, 5 seeds).',
    );
    expect(mixSentence(recorded)).toBe(
      'Fine-tuned with 25% ordinary English mixed into every batch, it forgot less English: its perplexity on English grew ×2.04 (likely range ×1.96 to ×2.12), against ×89 (likely range ×70 to ×112) without the mix (5 seeds).',
    );
  });
});
