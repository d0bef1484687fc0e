// The long-format metrics CSV of the contract (design.md §6): `arm,seed,step,tokens,metric,value[,wall_time]`, written
// by `npm run replicate` and the playground's export, read back by `npm run report` and the page's recorded run.
// `wall_time` (seconds since the Unix epoch, when the value was computed; TensorBoard's time axis) is written when the
// records carry one; files without the column (older runs) still read.
import { parseCsv } from '../data/csv';
import type { MetricRecord } from './runner';

export const METRICS_CSV_HEADER = 'arm,seed,step,tokens,metric,value';
export const WALL_TIME_COLUMN = 'wall_time';

/**
 * Records → the CSV text (header first, one record a line, fields quoted where they need it). The wall_time column
 * is there when any record has `wallTime` (empty for those without).
 */
export function metricsCsv(records: MetricRecord[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const wall = records.some((r) => r.wallTime !== undefined);
  const header = wall ? `${METRICS_CSV_HEADER},${WALL_TIME_COLUMN}` : METRICS_CSV_HEADER;
  return [header, ...records.map((r) => [q(r.arm), r.seed, r.step, r.tokens, q(r.metric), r.value, ...(wall ? [r.wallTime ?? ''] : [])].join(','))].join('\n') + '\n';
}

/** metricsCsv's inverse (with or without wall_time); refuses a wrong header or a malformed row, naming the file and line. */
export function parseMetricsCsv(text: string, file = 'metrics.csv'): MetricRecord[] {
  const rows = parseCsv(text);
  const header = rows[0]?.fields.join(',');
  const wall = header === `${METRICS_CSV_HEADER},${WALL_TIME_COLUMN}`;
  if (header !== METRICS_CSV_HEADER && !wall) throw new Error(`${file}: header is "${header ?? ''}", expected ${METRICS_CSV_HEADER} (optionally followed by ,${WALL_TIME_COLUMN})`);
  const width = wall ? 7 : 6;
  return rows.slice(1).map((r) => {
    const [arm, seed, step, tokens, metric, value, wallTime] = r.fields;
    const rec: MetricRecord = { arm, seed: Number(seed), step: Number(step), tokens: Number(tokens), metric, value: Number(value) };
    const bad = r.fields.length !== width || !arm || !metric || [rec.seed, rec.step, rec.tokens].some((n) => !Number.isInteger(n)) || value === '';
    if (bad) throw new Error(`${file}, line ${r.line}: expected ${header} with integer seed, step and tokens, got "${r.fields.join(',')}"`);
    if (wall && wallTime !== '') {
      rec.wallTime = Number(wallTime);
      if (!Number.isFinite(rec.wallTime) || rec.wallTime < 0) throw new Error(`${file}, line ${r.line}: wall_time "${wallTime}" is not seconds since the epoch (a non-negative number, or empty)`);
    }
    return rec;
  });
}
