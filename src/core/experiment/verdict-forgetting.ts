/**
 * Effect C of verdict.ts, forgetting: the pre-trained arm's held-out English loss after − before fine-tuning, as a log
 * perplexity ratio per seed, judged against ln 2 (our 2× criterion for the paper's "catastrophic degradation") and
 * the margin. The rule and the margin are stated, with A's and B's, in verdict.ts's opening comment.
 */
import { DEFAULT_MARGIN } from './config';
import { marginTest, ratioFromLogs, type MarginTest, type Ratio } from './stats';
import { ALPHA, fmt, seedsOf, testValues, type Detail, type Effect, type Outcome } from './verdict';
import { boundPower } from './verdict-power';

export interface LogRatio {
  /** after − before, nats per token: the log of the perplexity ratio. */
  diff: MarginTest;
  /** exp(diff): the perplexity ratio with its interval on the log scale. */
  ratio: Ratio;
}

export interface ForgettingEffect extends Effect {
  /** 'text ids' (the rule's figure) or 'full softmax' (fallback for metrics recorded before the text-ids metric). */
  basis: 'text ids' | 'full softmax';
  ratio: Ratio;
  /** The same English over the full softmax (image ids included), beside the headline; null in the fallback. */
  fullSoftmax: LogRatio | null;
  /** Out-of-domain English (Moby-Dick), on the same basis as the headline; null when not recorded. */
  outOfDomain: LogRatio | null;
  /** The headline's per-seed losses, nats per token. */
  englishLoss: { seeds: number[]; before: number[]; after: number[] };
}

const ratioText = (r: Ratio) =>
  r.ci95
    ? `×${fmt(r.mean)} (95% CI ×${fmt(r.ci95[0])} to ×${fmt(r.ci95[1])} on the log scale, ${seedsOf(r.n)})`
    : `×${fmt(r.mean)} (${seedsOf(r.n)}, no interval)`;

/** A log ratio (after − before per seed) with its margin tests and the ratio on the log scale. */
export function logRatio(before: number[], after: number[], margin: number): LogRatio | null {
  if (before.length !== after.length)
    throw new Error(`log ratio: ${before.length} values before, ${after.length} after`);
  if (before.length === 0) return null;
  const d = after.map((a, i) => a - before[i]);
  return { diff: marginTest(d, margin), ratio: ratioFromLogs(d) };
}

/**
 * C: the pre-trained arm's English loss before and after fine-tuning, per seed (nats per token). `basis` says
 * which softmax the headline losses use; `fullSoftmax` and `outOfDomain` are shown beside it.
 */
export function forgettingEffect(
  english: { seeds: number[]; before: number[]; after: number[] },
  basis: ForgettingEffect['basis'],
  beside: { fullSoftmax: LogRatio | null; outOfDomain: LogRatio | null },
  margin = DEFAULT_MARGIN,
): ForgettingEffect {
  const lr = logRatio(english.before, english.after, margin);
  const d = lr?.diff ?? testValues([], margin);
  const ratio = lr?.ratio ?? { mean: NaN, ci95: null, n: 0 };
  const [lo, hi] = d.ci90 ?? [NaN, NaN];
  let verdict: Outcome = 'inconclusive';
  let detail: Detail | null = null;
  if (lo >= Math.LN2) verdict = 'reproduced';
  else if (hi < margin) [verdict, detail] = ['not reproduced', 'kept'];
  else if (hi < Math.LN2) [verdict, detail] = ['not reproduced', 'milder'];
  const power =
    d.n >= 2
      ? boundPower(
          'the log ratio',
          d,
          Math.LN2,
          'ln 2 (our 2× criterion)',
          ALPHA,
          verdict === 'inconclusive' ? [d] : [],
        )
      : null;
  const on =
    basis === 'text ids'
      ? 'over its text ids'
      : 'over the full softmax (this metrics.csv predates the text-ids figure, so probability moved to the image ids counts too)';
  const full = beside.fullSoftmax
    ? ` Over the full softmax, which also counts probability moved to the image ids: ${ratioText(beside.fullSoftmax.ratio)}.`
    : '';
  const ood = beside.outOfDomain ? ` Out-of-domain English (Moby-Dick): ${ratioText(beside.outOfDomain.ratio)}.` : '';
  const r90 = d.ci90 ? ` (90% CI ×${fmt(Math.exp(lo))} to ×${fmt(Math.exp(hi))})` : '';
  const sentence =
    (verdict === 'reproduced'
      ? `Reproduced: fine-tuning multiplied the pre-trained model's English perplexity ${on} by ${ratioText(ratio)} — at least our 2× criterion for catastrophic (the paper gives no number)${r90}.`
      : detail === 'kept'
        ? `Not reproduced — English kept: the pre-trained model's English perplexity ${on} changed by ${ratioText(ratio)}, a rise below the ${margin}-nat margin${r90}.`
        : detail === 'milder'
          ? `Not reproduced — milder: fine-tuning raised the pre-trained model's English perplexity ${on} by ${ratioText(ratio)}, short of our 2× criterion for catastrophic (the paper gives no number)${r90}.`
          : d.n < 2
            ? `Inconclusive: one seed gives no interval; the pre-trained model's English perplexity ${on} changed by ${ratioText(ratio)}.`
            : `Inconclusive: the pre-trained model's English perplexity ${on} changed by ${ratioText(ratio)}${r90}, which neither rules out nor confirms a 2× rise.`) +
    full +
    ood +
    (power ? ` ${power.sentence}` : '');
  return {
    what: `rise of the pre-trained arm's held-out English loss (Persuasion) ${basis === 'text ids' ? 'over text ids only' : 'over the full softmax'}, after − before fine-tuning (nats per token; the log of the perplexity ratio)`,
    rule: `Reproduced when the 90% CI of the log perplexity ratio lies at or above ln 2 (≥ 2×: our criterion for the paper's "catastrophic degradation", which gives no number); not reproduced — kept below +${margin} nats, — milder below ln 2.`,
    diff: { mean: d.mean, ci95: d.ci95, n: d.n, sd: d.sd },
    verdict,
    detail,
    sentence,
    power,
    basis,
    ratio,
    fullSoftmax: beside.fullSoftmax,
    outOfDomain: beside.outOfDomain,
    englishLoss: english,
  };
}
