// The long-format metrics CSV of the contract (design.md §6): `arm,seed,step,tokens,metric,value[,wall_time]`, written
// by `npm run replicate` and the playground's export, read back by `npm run report` and the page's recorded run.
// `wall_time` (seconds since the Unix epoch, when the value was computed; TensorBoard's time axis) is written when the
// records carry one; files without the column (older runs) still read.
// Reading checks the file row by row: six fields (seven with wall_time), integer seed/step/tokens, a value that is a
// number (NaN/±Infinity only in a training loss, where they record a divergence), and one value per (arm, seed, step, metric).
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
  return (
    [
      header,
      ...records.map((r) =>
        [q(r.arm), r.seed, r.step, r.tokens, q(r.metric), r.value, ...(wall ? [r.wallTime ?? ''] : [])].join(','),
      ),
    ].join('\n') + '\n'
  );
}

/** A decimal number as JS or Python writes it (1, -1.5e-7, .5); NaN, Infinity, -Infinity, nan, inf, -inf as non-finite. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE: Record<string, number> = {
  nan: NaN,
  '+nan': NaN,
  '-nan': NaN,
  infinity: Infinity,
  '+infinity': Infinity,
  inf: Infinity,
  '+inf': Infinity,
  '-infinity': -Infinity,
  '-inf': -Infinity,
};

/** Metrics whose non-finite value is a divergence of training (the losses the optimiser saw). */
export const isTrainingLoss = (metric: string): boolean => /^train\/.*loss$/.test(metric);

/**
 * metricsCsv's inverse; refuses a wrong header or a malformed row, naming the file and line and the fix: a row
 * without six fields, a seed/step/tokens that is not an integer, a value that is not a number (e.g. "n/a"), a
 * non-finite value in anything but a training loss, and the same (arm, seed, step, metric) twice with different
 * values (two runs' rows in one file). The same key twice with the same value (a resume that appended a step again)
 * is read once; `notes`, when given, is told how many such rows were dropped and where the first was.
 */
export function parseMetricsCsv(text: string, file = 'metrics.csv', notes?: string[]): MetricRecord[] {
  const rows = parseCsv(text);
  const header = rows[0]?.fields.join(',');
  const wall = header === `${METRICS_CSV_HEADER},${WALL_TIME_COLUMN}`;
  if (header !== METRICS_CSV_HEADER && !wall)
    throw new Error(
      `${file}: header is "${header ?? ''}", expected ${METRICS_CSV_HEADER} (optionally followed by ,${WALL_TIME_COLUMN})`,
    );
  const width = wall ? 7 : 6;
  const seen = new Map<string, { line: number; value: number; raw: string }>();
  const out: MetricRecord[] = [];
  let repeats = 0;
  let firstRepeat = '';
  for (const r of rows.slice(1)) {
    const at = `${file}, line ${r.line}`;
    if (r.fields.length !== width)
      throw new Error(
        `${at}: ${r.fields.length} fields but the header has ${width} (${header}); quote an arm or metric name that contains a comma`,
      );
    const [arm, seed, step, tokens, metric, raw, wallTime] = r.fields;
    const rec: MetricRecord = {
      arm,
      seed: Number(seed),
      step: Number(step),
      tokens: Number(tokens),
      metric,
      value: NaN,
    };
    if (wall && wallTime !== '') {
      rec.wallTime = Number(wallTime);
      if (!NUMBER.test(wallTime.trim()) || rec.wallTime < 0)
        throw new Error(
          `${at}: wall_time "${wallTime}" is not seconds since the epoch (a non-negative number, or empty)`,
        );
    }
    if (!arm || !metric || [seed, step, tokens].some((s) => !/^\d+$/.test(s.trim())))
      throw new Error(
        `${at}: expected ${METRICS_CSV_HEADER} with integer seed, step and tokens, got "${r.fields.join(',')}"`,
      );
    const v = raw.trim();
    if (NUMBER.test(v)) rec.value = Number(v);
    else if (v.toLowerCase() in NON_FINITE) rec.value = NON_FINITE[v.toLowerCase()];
    else
      throw new Error(
        `${at}: the value of ${metric} is "${raw}", not a number; the file is damaged (write a number, or remove the row)`,
      );
    if (!Number.isFinite(rec.value) && !isTrainingLoss(metric))
      throw new Error(
        `${at}: ${metric} is ${raw}; only a training loss may be non-finite (a divergence), so the file is damaged — remove the row or rerun`,
      );
    const key = JSON.stringify([arm, rec.seed, rec.step, metric]);
    const first = seen.get(key);
    if (first) {
      if (Object.is(first.value, rec.value)) {
        repeats++;
        firstRepeat ||= `line ${r.line} repeats line ${first.line}`;
        continue;
      }
      throw new Error(
        `${file}: ${arm} seed ${rec.seed} step ${rec.step} ${metric} is ${first.raw} at line ${first.line} and ${raw} at line ${r.line}; the file holds two runs' records (or a resume wrote a step twice) — keep one run's rows`,
      );
    }
    seen.set(key, { line: r.line, value: rec.value, raw });
    out.push(rec);
  }
  if (repeats)
    notes?.push(
      `${file}: ${repeats} row${repeats === 1 ? '' : 's'} repeated an earlier row with the same value (${firstRepeat}) and ${repeats === 1 ? 'was' : 'were'} read once.`,
    );
  return out;
}
