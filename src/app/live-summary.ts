/**
 * Your run so far, in one line for the first screen (the charts are further down): at the latest evaluation every
 * pre-trained and scratch seed has reached, the mean held-out image-token loss of each arm, the caption-loss gap
 * (scratch − pretrained) and the pre-trained arm's English perplexity ratio since step 0 — the three effects'
 * quantities, without verdicts (those need the whole run). Pure, no React.
 */
import { curveOf } from '../core/experiment/curves';
import { METRICS } from '../core/metrics';
import type { MetricRecord } from '../worker/protocol';

export interface LiveSummary {
  step: number;
  seeds: number;
  /** Mean held-out image-token loss per arm, nats per token. */
  image: { pretrained: number; scratch: number };
  /** Mean caption-token loss, scratch − pretrained (nats per token), or null when captions are not scored. */
  captionGap: number | null;
  /** exp(mean over seeds of the pre-trained arm's English loss now − at step 0): its perplexity ratio, or null. */
  englishRatio: number | null;
}

const ARMS = ['pretrained', 'scratch'] as const;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The summary at the latest step evaluated for every seed of both arms (seeds present in either arm), or null before
 * both arms have one. English uses the text-ids figure when recorded, else the full softmax.
 */
export function liveSummary(records: MetricRecord[]): LiveSummary | null {
  const seeds = [
    ...new Set(
      records
        .filter((r) => r.metric === METRICS.valImageLoss && (ARMS as readonly string[]).includes(r.arm))
        .map((r) => r.seed),
    ),
  ].sort((a, b) => a - b);
  if (!seeds.length) return null;
  /** `metric`'s value of an arm's seed at a step (curves.ts's curve, read once per arm and seed). */
  const valuesOf = (metric: string) => {
    const byRun = new Map<string, Map<number, number>>(
      ARMS.flatMap((arm) =>
        seeds.map(
          (s) => [`${arm}/${s}`, new Map(curveOf(records, arm, s, metric).map((p) => [p.step, p.value]))] as const,
        ),
      ),
    );
    return (arm: string, seed: number, step: number) => byRun.get(`${arm}/${seed}`)!.get(step);
  };
  const image = valuesOf(METRICS.valImageLoss);
  const common = curveOf(records, ARMS[0], seeds[0], METRICS.valImageLoss)
    .map((p) => p.step)
    .filter((step) => ARMS.every((arm) => seeds.every((s) => image(arm, s, step) !== undefined)));
  if (!common.length) return null;
  const step = Math.max(...common);
  const text = valuesOf(METRICS.valTextLoss);
  const gaps = seeds.map((s) => [text('scratch', s, step), text('pretrained', s, step)]);
  const english = valuesOf(
    records.some((r) => r.metric === METRICS.valEnglishLossTextIds)
      ? METRICS.valEnglishLossTextIds
      : METRICS.valEnglishLoss,
  );
  const rises = seeds.map((s) => [english('pretrained', s, step), english('pretrained', s, 0)]);
  return {
    step,
    seeds: seeds.length,
    image: {
      pretrained: mean(seeds.map((s) => image('pretrained', s, step)!)),
      scratch: mean(seeds.map((s) => image('scratch', s, step)!)),
    },
    captionGap: gaps.every(([a, b]) => a !== undefined && b !== undefined) ? mean(gaps.map(([a, b]) => a! - b!)) : null,
    englishRatio:
      step > 0 && rises.every(([a, b]) => a !== undefined && b !== undefined)
        ? Math.exp(mean(rises.map(([a, b]) => a! - b!)))
        : null,
  };
}

const signed = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(2)}`;

/** The summary in words, e.g. "Your run at step 60 (3 seeds): image tokens pre-trained 5.12 vs scratch 5.34 nats (−0.22) · …". */
export function liveSummaryText(s: LiveSummary): string {
  const parts = [
    `image tokens pre-trained ${s.image.pretrained.toFixed(2)} vs scratch ${s.image.scratch.toFixed(2)} nats (${signed(s.image.pretrained - s.image.scratch)})`,
  ];
  if (s.captionGap !== null) parts.push(`caption gap ${signed(s.captionGap)} nats`);
  if (s.englishRatio !== null)
    parts.push(
      `pre-trained English perplexity ×${s.englishRatio >= 10 ? s.englishRatio.toFixed(0) : s.englishRatio.toFixed(2)} since step 0`,
    );
  return `Your run at step ${s.step.toLocaleString('en-US')} (${s.seeds} seed${s.seeds === 1 ? '' : 's'}): ${parts.join(' · ')}`;
}
