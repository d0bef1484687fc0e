/**
 * The replication report: the three effects of docs/paper.md computed from the metric records (per seed, then mean and
 * 95% t-interval with a verdict), the long-format metrics CSV (`arm,seed,step,tokens,metric,value`, contract) and
 * the report object written as report.json.
 */
import { METRICS } from '../metrics';
import { parseCsv } from '../data/csv';
import type { ExperimentConfig } from './config';
import type { MetricRecord } from './runner';
import { captionGapEffect, forgettingEffect, imageLossEffect, type Effect } from './verdict';

export interface Report {
  preset: string;
  config: ExperimentConfig;
  seeds: number;
  arms: string[];
  effects: {
    image_loss: Effect & { perArm: Record<string, number[]> };
    caption_gap: Effect & { perArm: Record<string, number[]>; initialGap: unknown };
    forgetting: Effect & { perArm: Record<string, number[]> };
  };
  /** Extra facts: timing, data sizes, the LM, the tokenizer. */
  meta: Record<string, unknown>;
}

/** Values of one metric for an arm and seed, in step order. */
export function series(records: MetricRecord[], arm: string, seed: number, metric: string): { step: number; value: number }[] {
  return records.filter((r) => r.arm === arm && r.seed === seed && r.metric === metric).map((r) => ({ step: r.step, value: r.value })).sort((a, b) => a.step - b.step);
}

const last = (s: { value: number }[]) => (s.length ? s[s.length - 1].value : NaN);
const first = (s: { value: number }[]) => (s.length ? s[0].value : NaN);
function at(s: { step: number; value: number }[], step: number): number {
  let best = s[0];
  for (const p of s) if (Math.abs(p.step - step) < Math.abs(best.step - step)) best = p;
  return best ? best.value : NaN;
}

export function buildReport(cfg: ExperimentConfig, records: MetricRecord[], meta: Record<string, unknown> = {}): Report {
  const seeds = [...Array(cfg.seeds).keys()];
  const perArm = (metric: string, pick: (s: { step: number; value: number }[]) => number) =>
    Object.fromEntries(cfg.arms.map((arm) => [arm, seeds.map((seed) => pick(series(records, arm, seed, metric)))]));
  const imageFinal = perArm(METRICS.valImageLoss, last);
  const has = (a: string) => cfg.arms.includes(a as never);
  const imageDiff = has('pretrained') && has('scratch') ? seeds.map((s) => imageFinal.pretrained[s] - imageFinal.scratch[s]) : [];
  const step20 = Math.round(0.2 * cfg.steps);
  const textStart = perArm(METRICS.valTextLoss, first);
  const text20 = perArm(METRICS.valTextLoss, (s) => at(s, step20));
  const gap0 = has('pretrained') && has('scratch') ? seeds.map((s) => textStart.scratch[s] - textStart.pretrained[s]) : [];
  const gap20 = has('pretrained') && has('scratch') ? seeds.map((s) => text20.scratch[s] - text20.pretrained[s]) : [];
  const share = gap0.map((g, i) => 1 - gap20[i] / g);
  const pplRatio = perArm(METRICS.valEnglishLoss, (s) => Math.exp(last(s) - first(s)));
  const forgetting = has('pretrained') ? pplRatio.pretrained : [];
  const need = (xs: number[], what: string) => {
    if (xs.length === 0) throw new Error(`the report needs the pretrained${what.includes('scratch') ? ' and scratch' : ''} arm${what.includes('scratch') ? 's' : ''} (${what})`);
    return xs;
  };
  return {
    preset: cfg.preset,
    config: cfg,
    seeds: cfg.seeds,
    arms: cfg.arms,
    effects: {
      image_loss: { ...imageLossEffect(need(imageDiff, 'pretrained and scratch for image loss')), perArm: imageFinal },
      caption_gap: { ...captionGapEffect(need(gap0, 'pretrained and scratch for the caption gap'), share), perArm: Object.fromEntries(cfg.arms.map((a) => [a, textStart[a]])) },
      forgetting: { ...forgettingEffect(need(forgetting, 'pretrained for forgetting')), perArm: pplRatio },
    },
    meta,
  };
}

/** The long-format CSV of the contract: arm,seed,step,tokens,metric,value. */
export function metricsCsv(records: MetricRecord[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['arm,seed,step,tokens,metric,value', ...records.map((r) => [q(r.arm), r.seed, r.step, r.tokens, q(r.metric), r.value].join(','))].join('\n') + '\n';
}

export const METRICS_CSV_HEADER = 'arm,seed,step,tokens,metric,value';

/** metricsCsv's inverse; refuses a wrong header or a malformed row, naming the file and line. */
export function parseMetricsCsv(text: string, file = 'metrics.csv'): MetricRecord[] {
  const rows = parseCsv(text);
  const header = rows[0]?.fields.join(',');
  if (header !== METRICS_CSV_HEADER) throw new Error(`${file}: header is "${header ?? ''}", expected ${METRICS_CSV_HEADER}`);
  return rows.slice(1).map((r) => {
    const [arm, seed, step, tokens, metric, value] = r.fields;
    const rec = { arm, seed: Number(seed), step: Number(step), tokens: Number(tokens), metric, value: Number(value) };
    if (r.fields.length !== 6 || !arm || !metric || [rec.seed, rec.step, rec.tokens].some((n) => !Number.isInteger(n)) || value === '') throw new Error(`${file}, line ${r.line}: expected ${METRICS_CSV_HEADER} with integer seed, step and tokens, got "${r.fields.join(',')}"`);
    return rec;
  });
}
