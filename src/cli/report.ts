/**
 * `npm run report -- DIR`: rebuilds DIR/report.json and DIR/report.html of a replication from DIR/metrics.csv
 * (and the config and meta in the existing report.json, and the sample/quality/analysis sections in
 * DIR/sections.html), e.g. after the verdict rules change. Training is not repeated.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport, parseMetricsCsv, type Report } from '../core/experiment/report';
import { reportHtml } from '../core/experiment/html';
import type { MetricRecord } from '../core/experiment/runner';
import { UsageError, runCli } from './common';

async function main(): Promise<void> {
  const dir = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (!dir) throw new UsageError('usage: npm run report -- DIR (a replicate output folder)');
  for (const f of ['report.json', 'metrics.csv']) if (!existsSync(join(dir, f))) throw new UsageError(`${join(dir, f)}: missing; run npm run replicate first`);
  const old = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  let records: MetricRecord[];
  try {
    records = parseMetricsCsv(readFileSync(join(dir, 'metrics.csv'), 'utf8'), join(dir, 'metrics.csv'));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const report = buildReport(old.config, records, old.meta);
  const sections = existsSync(join(dir, 'sections.html')) ? [readFileSync(join(dir, 'sections.html'), 'utf8')] : [];
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(dir, 'report.html'), reportHtml(report, records, sections));
  for (const e of [report.effects.image_loss, report.effects.caption_gap, report.effects.forgetting]) console.log(e.sentence);
}

runCli('report', main);
