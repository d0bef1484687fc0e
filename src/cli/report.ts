/**
 * `npm run report -- DIR`: rebuilds DIR/report.json and DIR/report.html of a replication from DIR/metrics.csv under
 * the current verdict rules, e.g. after they change; training is not repeated. The configuration (the margin) and
 * the run's facts (timing, quality figure, analysis) come from the existing DIR/report.json when there is one, and
 * the sample/quality/analysis sections from DIR/sections.html; without report.json the report is built from
 * metrics.csv alone (default margin, arms and seeds as recorded) and says so. A run recorded before the report
 * carried the count model's reference line gets it from the shipped codes (report-reference.ts), kept in its meta.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../core/experiment/config';
import { heatmapSection, sweepSection } from '../core/experiment/html';
import type { SweepResult } from '../core/experiment/sweep';
import { parseMetricsCsv } from '../core/experiment/metrics-csv';
import { buildReport } from '../core/experiment/report';
import type { MetricRecord } from '../core/experiment/runner';
import { UsageError, parseFlags, runCli } from './common';
import { writeReportFiles } from './run-folder';
import { acquireRunLock } from './run-lock';
import { recordedCountModel } from './report-reference';

async function main(): Promise<void> {
  const usage = 'usage: npm run report -- DIR (a replicate output folder with metrics.csv)';
  const { positionals } = parseFlags(
    {},
    usage,
    true,
    'Rebuilds DIR/report.json and DIR/report.html from DIR/metrics.csv under the current verdict rules (no training).',
  );
  if (positionals.length > 1) throw new UsageError(`one DIR at a time, got ${positionals.length}; ${usage}`);
  const dir = positionals[0];
  if (!dir) throw new UsageError(usage);
  // One writer per run folder: a replicate still running here writes its own report at its finish, and rewriting
  // report.json under it would be overwritten (or mix two builds); refused naming the holder, nothing written.
  if (existsSync(dir))
    acquireRunLock(
      dir,
      `npm run report -- ${dir}`,
      console.log,
      false,
      'it writes its own report when it finishes — run npm run report after that (nothing was written)',
    );
  const csvPath = join(dir, 'metrics.csv');
  if (!existsSync(csvPath))
    throw new UsageError(
      `${csvPath}: missing; run npm run replicate first (or export the metrics CSV from the playground into DIR)`,
    );
  let old: { config?: ExperimentConfig | null; meta?: Record<string, unknown> } = {};
  const jsonPath = join(dir, 'report.json');
  if (existsSync(jsonPath)) {
    try {
      old = JSON.parse(readFileSync(jsonPath, 'utf8'));
    } catch (e) {
      throw new UsageError(
        `${jsonPath}: not valid JSON (${(e as Error).message}); remove it to rebuild from metrics.csv alone`,
      );
    }
  }
  // A damaged metrics.csv is a bad file (exit 1), its message naming the line and the fix.
  const readNotes: string[] = [];
  const records: MetricRecord[] = parseMetricsCsv(readFileSync(csvPath, 'utf8'), csvPath, readNotes);
  const meta = { ...(old.meta ?? {}) };
  if (!meta.countModel) {
    // A run recorded before the report carried the count model's reference line (report-reference.ts).
    const { ref, why } = await recordedCountModel(old.config ?? null, meta);
    if (ref) meta.countModel = ref;
    else console.log(`report: no count-model reference line: ${why}`);
  }
  let report;
  try {
    report = buildReport(old.config ?? null, records, meta);
  } catch (e) {
    throw new UsageError(`${csvPath}: ${(e as Error).message}`);
  }
  report.notes.unshift(...readNotes);
  // A run without sections.html (e.g. one trained by scale/train.py) still gets its LR sweep and heatmap from meta.
  const { sweep, imageLossByPosition } = meta as {
    sweep?: SweepResult;
    imageLossByPosition?: Record<string, number[]>;
  };
  const sections = existsSync(join(dir, 'sections.html'))
    ? [readFileSync(join(dir, 'sections.html'), 'utf8')]
    : [...(sweep ? [sweepSection(sweep)] : []), ...(imageLossByPosition ? [heatmapSection(imageLossByPosition)] : [])];
  // Each file whole or as it was (a kill in between leaves the old report.json beside the new report.html).
  writeReportFiles(dir, report, records, sections);
  const e = report.effects;
  for (const [name, eff] of [
    ['A', e.image_loss],
    ['B', e.caption_gap],
    ['C', e.forgetting],
  ] as const)
    console.log(`${name}. ${eff.verdict}${eff.detail ? ` — ${eff.detail}` : ''}: ${eff.sentence}`);
  for (const [name, eff] of [
    ['A', e.image_loss],
    ['B', e.caption_gap],
  ] as const)
    console.log(`${name} as compute: ${eff.tokensSaved.sentence}`);
  if (report.quality) console.log(report.quality.sentence);
  for (const n of report.notes) console.log(`note: ${n}`);
}

runCli('report', main);
