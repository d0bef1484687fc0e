/**
 * `npm run to-tensorboard -- RUN --out DIR`: a recorded run (RUN/metrics.csv from `npm run replicate`, the page's
 * export or scale/train.py; or a metrics.csv named directly) as TensorBoard event files, one run per arm and seed
 * (DIR/<arm>/s<seed>/), so `tensorboard --logdir DIR` shows every metric key on its steps and wall-clock times.
 * A metrics.csv without the wall_time column (older runs) gets the file's modification time, and says so.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseMetricsCsv } from '../core/experiment/metrics-csv';
import type { MetricRecord } from '../core/experiment/runner';
import { tensorboardFiles } from '../core/experiment/tensorboard';
import { UsageError, parseFlags, runCli } from './common';

const USAGE = 'usage: npm run to-tensorboard -- RUN --out DIR (RUN: a run folder with metrics.csv, or a metrics.csv)';

async function main(): Promise<void> {
  const { values, positionals } = parseFlags({ out: { type: 'string' } }, USAGE, true);
  if (positionals.length !== 1 || !values.out) throw new UsageError(USAGE);
  const run = positionals[0];
  const csv = existsSync(run) && statSync(run).isDirectory() ? join(run, 'metrics.csv') : run;
  if (!existsSync(csv)) throw new UsageError(`${csv}: not found; ${USAGE}`);
  let records: MetricRecord[];
  try {
    records = parseMetricsCsv(readFileSync(csv, 'utf8'), csv);
  } catch (e) {
    throw new Error(
      `${(e as Error).message}; it should be a metrics.csv written by npm run replicate, the page or scale/train.py`,
      { cause: e },
    );
  }
  if (records.length === 0) throw new Error(`${csv}: has no records; nothing to convert`);
  const fallback = statSync(csv).mtimeMs / 1000;
  const undated = records.filter((r) => r.wallTime === undefined).length;
  if (undated)
    console.log(
      `to-tensorboard: ${undated} of ${records.length} records have no wall_time (an older metrics.csv); they get the file's modification time`,
    );
  const files = tensorboardFiles(records, fallback);
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(values.out, path)), { recursive: true });
    writeFileSync(join(values.out, path), bytes);
  }
  const tags = new Set(records.map((r) => r.metric)).size;
  console.log(
    `to-tensorboard: ${records.length} values, ${tags} tags, ${files.size} run(s) (${[...files.keys()].map((p) => dirname(p)).join(', ')}) → ${values.out}; view with: tensorboard --logdir ${values.out}`,
  );
}

runCli('to-tensorboard', main);
