/**
 * The Analysis and Report sentences, each following from its numbers by a stated threshold (so a run whose figures
 * are 65% and 69% is never told "far less"), shared by the panels and the tour. Pure.
 */
import type { Analysis, Quality } from '../worker/protocol';

/** Percentage points: "far" at or beyond FAR, "somewhat" from NEAR up to FAR, "about the same" within NEAR. */
export const WORD_LIKE = { FAR: 20, NEAR: 5 } as const;

/** Share of a token's entropy that the previous token explains, in percent: 100 · (1 − H(token | previous) / H(token)). */
export function explainedShare(t: { unigramEntropy: number; bigramConditionalEntropy: number }): number {
  return t.unigramEntropy > 0 ? 100 * (1 - t.bigramConditionalEntropy / t.unigramEntropy) : 0;
}

/** The sentence comparing image tokens with English (the text the pre-trained LM learnt), by WORD_LIKE's thresholds. */
export function wordLikeSentence(a: Pick<Analysis, 'imageTokens' | 'englishTokens'>): string {
  const image = explainedShare(a.imageTokens);
  const english = explainedShare(a.englishTokens);
  const d = english - image;
  const pts = `${Math.abs(d).toFixed(0)} point${Math.abs(d).toFixed(0) === '1' ? '' : 's'}`;
  if (d >= WORD_LIKE.FAR)
    return `Image tokens are far less word-like: the previous token explains ${pts} less of them than of English (${WORD_LIKE.FAR} points or more counts as far).`;
  if (d >= WORD_LIKE.NEAR)
    return `Image tokens are somewhat less word-like: the previous token explains ${pts} less of them than of English (${WORD_LIKE.NEAR}–${WORD_LIKE.FAR} points counts as somewhat).`;
  if (d > -WORD_LIKE.NEAR)
    return `Image tokens are about as predictable from the previous token as English here (within ${WORD_LIKE.NEAR} points).`;
  return `Image tokens are more predictable from the previous token than English here, by ${pts}.`;
}

/** Caption simplicity: a small caption-only LM against the pre-trained LM, zero-shot (lower perplexity is easier). */
export function captionSentence(cp: NonNullable<Analysis['captionPerplexity']>): string {
  const ratio = cp.pretrainedLM / cp.scratchCaptionLM;
  if (ratio >= 2)
    return `Captions are easy to learn from nothing: a ${(cp.scratchCaptionLMParams / 1000).toFixed(0)}k-parameter LM trained on captions alone reaches perplexity ${cp.scratchCaptionLM.toFixed(1)}, ${ratio.toFixed(0)}× lower than the pre-trained LM's ${cp.pretrainedLM.toFixed(0)} (2× or more counts as easy).`;
  return `Here the small caption-only LM (perplexity ${cp.scratchCaptionLM.toFixed(1)}) is not at least 2× better than the pre-trained LM (${cp.pretrainedLM.toFixed(0)}): too few steps to show that captions are easy to learn from nothing.`;
}

/** A quality figure is read only when its classifier gets at least this many times chance on real held-out images. */
export const CLASSIFIER_OVER_CHANCE = 2;

/** Null when the classifier is good enough to judge generated images; else why the figure says nothing yet. */
export function qualityCaveat(q: Quality): string | null {
  const chance = 1 / Math.max(1, q.classes.length);
  if (q.classifierValAccuracy >= CLASSIFIER_OVER_CHANCE * chance) return null;
  return `The category classifier gets ${(100 * q.classifierValAccuracy).toFixed(1)}% of real held-out images right — under ${CLASSIFIER_OVER_CHANCE}× chance (${(100 * chance).toFixed(0)}% for ${q.classes.length} classes) — so it cannot judge generated images yet: the run was too short for it.`;
}
