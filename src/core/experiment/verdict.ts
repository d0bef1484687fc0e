/**
 * The verdict on each effect of docs/paper.md's table, from per-seed numbers: the mean, a 95% t-interval across seeds
 * and one plain sentence — reproduced, not reproduced or inconclusive — stating what was measured.
 *   A. image_loss:  final held-out image-token loss, pretrained − scratch. Reproduced ("no help") when the interval
 *      lies at or above −margin — within ±margin of zero, or wholly above it (pre-training hurt, said so); not
 *      reproduced when it lies wholly below −margin (pre-training helped).
 *   B. caption_gap: share of the initial caption-loss gap (scratch − pretrained) closed by 20% of the steps.
 *      Reproduced when the pre-trained arm starts lower (interval of the initial gap above 0) and at least half
 *      the gap has closed (interval above 0.5); not reproduced when there is no head start or it persists.
 *   C. forgetting:  held-out English perplexity of the pretrained arm, after ÷ before fine-tuning. Reproduced when
 *      the interval lies at or above 2 (the paper's "catastrophic"); not reproduced when it lies below 2.
 * Anything else, or a single seed, is inconclusive.
 */
import { tInterval, type Interval } from './stats';

export type Outcome = 'reproduced' | 'not reproduced' | 'inconclusive';

export interface Effect {
  /** What the headline number is. */
  what: string;
  diff: Interval;
  verdict: Outcome;
  sentence: string;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));
const ci = (i: Interval) => (i.ci95 ? `${fmt(i.mean)} (95% CI ${fmt(i.ci95[0])} to ${fmt(i.ci95[1])}, ${i.n} seeds)` : `${fmt(i.mean)} (one seed, no interval)`);

export function imageLossEffect(pretrainedMinusScratch: number[], margin = 0.02): Effect {
  const d = tInterval(pretrainedMinusScratch);
  const what = 'final held-out image-token loss (nats), pretrained − scratch';
  let verdict: Outcome = 'inconclusive';
  if (d.ci95 && d.ci95[0] >= -margin) verdict = 'reproduced';
  else if (d.ci95 && d.ci95[1] < -margin) verdict = 'not reproduced';
  const hurt = d.ci95 !== null && d.ci95[0] > margin;
  const sentence =
    verdict === 'reproduced'
      ? hurt
        ? `Reproduced, and more: pre-training did not help on image tokens — it hurt. The pre-trained model's final image-token loss is higher by ${ci(d)}.`
        : `Reproduced: pre-training did not help on image tokens — the final image-token loss differs by ${ci(d)}, within ±${margin} nats of zero.`
      : verdict === 'not reproduced'
        ? `Not reproduced: the pre-trained model reached a lower image-token loss, by ${ci(d)}.`
        : `Inconclusive: the image-token loss differs by ${ci(d)}, which neither rules out nor confirms a benefit beyond ${margin} nats.`;
  return { what, diff: d, verdict, sentence };
}

export function captionGapEffect(initialGap: number[], shareClosed: number[]): Effect & { initialGap: Interval } {
  const g = tInterval(initialGap);
  const s = tInterval(shareClosed);
  const what = 'share of the initial caption-loss gap (scratch − pretrained) closed by 20% of the steps';
  let verdict: Outcome = 'inconclusive';
  if (g.ci95 && g.ci95[0] > 0 && s.ci95 && s.ci95[0] > 0.5) verdict = 'reproduced';
  else if ((g.ci95 && g.ci95[1] <= 0) || (s.ci95 && s.ci95[1] < 0.5 && g.ci95 && g.ci95[0] > 0)) verdict = 'not reproduced';
  const sentence =
    verdict === 'reproduced'
      ? `Reproduced: the pre-trained model starts ${ci(g)} nats lower on caption tokens, and by 20% of the steps ${ci(s)} of that gap has closed.`
      : verdict === 'not reproduced'
        ? g.ci95 && g.ci95[1] <= 0
          ? `Not reproduced: the pre-trained model had no head start on caption tokens (initial gap ${ci(g)} nats).`
          : s.mean < 0
            ? `Not reproduced: the caption head start persists and grows — the pre-trained model starts ${ci(g)} nats lower, and by 20% of the steps the gap has widened (share closed ${ci(s)}).`
            : `Not reproduced: the caption head start persists — only ${ci(s)} of the ${ci(g)}-nat gap closed by 20% of the steps.`
        : `Inconclusive: initial caption gap ${ci(g)} nats, share closed by 20% of the steps ${ci(s)}.`;
  return { what, diff: s, verdict, sentence, initialGap: g };
}

export function forgettingEffect(pplRatio: number[]): Effect {
  const r = tInterval(pplRatio);
  const what = 'held-out English perplexity of the pretrained arm, after ÷ before fine-tuning';
  let verdict: Outcome = 'inconclusive';
  if (r.ci95 && r.ci95[0] >= 2) verdict = 'reproduced';
  else if (r.ci95 && r.ci95[1] < 2) verdict = 'not reproduced';
  const sentence =
    verdict === 'reproduced'
      ? `Reproduced: fine-tuning on captions and images multiplied the pre-trained model's English perplexity by ${ci(r)}.`
      : verdict === 'not reproduced'
        ? `Not reproduced: English perplexity rose by a factor of ${ci(r)}, short of the paper's catastrophic (≥ 2×) degradation.`
        : `Inconclusive: English perplexity changed by a factor of ${ci(r)}.`;
  return { what, diff: r, verdict, sentence };
}
