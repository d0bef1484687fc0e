/**
 * Your run so far, in one line for the first screen (the charts are further down): at the latest evaluation every
 * pre-trained and scratch seed has reached, the mean held-out image-token loss of each arm, the caption-loss gap
 * (scratch − pretrained) and the pre-trained arm's English perplexity ratio since step 0 — the three effects'
 * quantities, without verdicts (those need the whole run). Pure, no React.
 */
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

/** Value of `metric` per arm/seed at each evaluated step: arm → seed → step → value. */
function table(records: MetricRecord[], metric: string): Map<string, Map<number, Map<number, number>>> {
  const out = new Map<string, Map<number, Map<number, number>>>();
  for (const r of records) {
    if (r.metric !== metric || !(ARMS as readonly string[]).includes(r.arm)) continue;
    const seeds = out.get(r.arm) ?? out.set(r.arm, new Map()).get(r.arm)!;
    (seeds.get(r.seed) ?? seeds.set(r.seed, new Map()).get(r.seed)!).set(r.step, r.value);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The summary at the latest step evaluated for every seed of both arms (seeds present in either arm), or null before
 * both arms have one. English uses the text-ids figure when recorded, else the full softmax.
 */
export function liveSummary(records: MetricRecord[]): LiveSummary | null {
  const image = table(records, METRICS.valImageLoss);
  const arms = ARMS.map((a) => image.get(a));
  if (arms.some((a) => !a)) return null;
  const seeds = [...new Set(arms.flatMap((a) => [...a!.keys()]))].sort((a, b) => a - b);
  const common = [...arms[0]!.get(seeds[0])?.keys() ?? []].filter((step) => arms.every((a) => seeds.every((s) => a!.get(s)?.has(step))));
  if (!common.length) return null;
  const step = Math.max(...common);
  const at = (t: Map<string, Map<number, Map<number, number>>>, arm: string, s: number, st: number) => t.get(arm)?.get(s)?.get(st);
  const text = table(records, METRICS.valTextLoss);
  const gaps = seeds.map((s) => [at(text, 'scratch', s, step), at(text, 'pretrained', s, step)]);
  const english = table(records, records.some((r) => r.metric === METRICS.valEnglishLossTextIds) ? METRICS.valEnglishLossTextIds : METRICS.valEnglishLoss);
  const rises = seeds.map((s) => [at(english, 'pretrained', s, step), at(english, 'pretrained', s, 0)]);
  return {
    step,
    seeds: seeds.length,
    image: { pretrained: mean(seeds.map((s) => at(image, 'pretrained', s, step)!)), scratch: mean(seeds.map((s) => at(image, 'scratch', s, step)!)) },
    captionGap: gaps.every(([a, b]) => a !== undefined && b !== undefined) ? mean(gaps.map(([a, b]) => a! - b!)) : null,
    englishRatio: step > 0 && rises.every(([a, b]) => a !== undefined && b !== undefined) ? Math.exp(mean(rises.map(([a, b]) => a! - b!))) : null,
  };
}

const signed = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(2)}`;

/** The summary in words, e.g. "Your run at step 60 (3 seeds): image tokens pre-trained 5.12 vs scratch 5.34 nats (−0.22) · …". */
export function liveSummaryText(s: LiveSummary): string {
  const parts = [`image tokens pre-trained ${s.image.pretrained.toFixed(2)} vs scratch ${s.image.scratch.toFixed(2)} nats (${signed(s.image.pretrained - s.image.scratch)})`];
  if (s.captionGap !== null) parts.push(`caption gap ${signed(s.captionGap)} nats`);
  if (s.englishRatio !== null) parts.push(`pre-trained English perplexity ×${s.englishRatio >= 10 ? s.englishRatio.toFixed(0) : s.englishRatio.toFixed(2)} since step 0`);
  return `Your run at step ${s.step.toLocaleString('en-US')} (${s.seeds} seed${s.seeds === 1 ? '' : 's'}): ${parts.join(' · ')}`;
}
