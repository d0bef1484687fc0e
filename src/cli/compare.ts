/**
 * `npm run compare -- DIR DIR … [--out FILE]`: replications side by side, one row per run (report.json in each DIR):
 * the three effects' verdicts with their 95% intervals, the other arms' verdicts, and the setup fields that differ
 * between the runs as the first columns (e.g. the caption level). Prints a Markdown table; --out also writes it
 * (FILE.md) and the rows as JSON (FILE.json). Rebuild old reports first with `npm run report -- DIR`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareMarkdown, compareRuns, type CompareInput } from '../core/experiment/compare';
import { UsageError, parseFlags, runCli, writeFileAtomic } from './common';

async function main(): Promise<void> {
  const usage = 'usage: npm run compare -- DIR DIR … [--out FILE] (each DIR a replicate output folder with report.json)';
  const { values: a, positionals } = parseFlags({ out: { type: 'string' } }, usage, true);
  if (positionals.length < 2) throw new UsageError(`compare needs two or more run folders; ${usage}`);
  const inputs: CompareInput[] = positionals.map((dir) => {
    const file = join(dir, 'report.json');
    if (!existsSync(file)) throw new UsageError(`${file}: missing; run npm run replicate -- --out ${dir} (or npm run report -- ${dir} when it has metrics.csv)`);
    try {
      return { source: dir, report: JSON.parse(readFileSync(file, 'utf8')) as CompareInput['report'] };
    } catch (e) {
      throw new UsageError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]}); rebuild it with npm run report -- ${dir}`);
    }
  });
  let rows;
  try {
    rows = compareRuns(inputs);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const md = compareMarkdown(rows);
  process.stdout.write(md);
  if (a.out) {
    const base = a.out.replace(/\.(md|json)$/, '');
    writeFileAtomic(`${base}.md`, md);
    writeFileAtomic(`${base}.json`, JSON.stringify(rows, null, 2) + '\n');
    console.log(`compare: wrote ${base}.md and ${base}.json`);
  }
}

runCli('compare', main);
