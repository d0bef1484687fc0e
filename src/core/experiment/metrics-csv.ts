// The long-format metrics CSV of the contract (design.md §6): `arm,seed,step,tokens,metric,value`, written by
// `npm run replicate` and the playground's export, read back by `npm run report` and the page's recorded run.
import { parseCsv } from '../data/csv';
import type { MetricRecord } from './runner';

export const METRICS_CSV_HEADER = 'arm,seed,step,tokens,metric,value';

/** Records → the CSV text (header first, one record a line, fields quoted where they need it). */
export function metricsCsv(records: MetricRecord[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [METRICS_CSV_HEADER, ...records.map((r) => [q(r.arm), r.seed, r.step, r.tokens, q(r.metric), r.value].join(','))].join('\n') + '\n';
}

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
