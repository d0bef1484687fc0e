/**
 * `npm run compare -- DIR DIR … [--out FILE]`: replications side by side, one row per run (report.json in each DIR):
 * the three effects' verdicts with their 95% intervals, the other arms' verdicts, and the setup fields that differ
 * between the runs as the first columns (e.g. the caption level). Prints a Markdown table; --out also writes it
 * (FILE.md) and the rows as JSON (FILE.json). Rebuild old reports first with `npm run report -- DIR`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compareMarkdown, compareRuns, type CompareInput } from '../core/experiment/compare';
import { UsageError, parseFlags, runCli, writeFileAtomic } from './common';
import { EXPERIMENT_FILE, resumeCommand } from './resume-args';

/**
 * What to run for a folder without report.json, as a command that works there: a stopped run is continued with its
 * own saved flags and --resume (resumeCommand), finished metrics are turned into a report, an empty folder gets a run.
 */
function missingReportAdvice(dir: string): string {
  if (existsSync(join(dir, 'metrics.csv'))) return `build it from the run's metrics with npm run report -- ${dir}`;
  if (existsSync(join(dir, 'checkpoints', EXPERIMENT_FILE))) {
    const cmd = resumeCommand(dir);
    return cmd
      ? `the run there stopped before its report; continue it with ${cmd}`
      : `the run there stopped before its report; continue it with npm run replicate -- --resume --out ${dir} and the flags saved in ${join(dir, 'checkpoints', EXPERIMENT_FILE)}`;
  }
  return `run npm run replicate -- --preset cpu --out ${dir} (or give the folder of a finished run)`;
}

async function main(): Promise<void> {
  const usage =
    'usage: npm run compare -- DIR DIR … [--out FILE] (each DIR a replicate output folder with report.json)';
  const { values: a, positionals: given } = parseFlags(
    {
      out: {
        type: 'string',
        value: 'FILE',
        description: 'also write FILE.md and FILE.json',
        defaultText: 'print only',
      },
    },
    usage,
    true,
    'Replications side by side: one row per run with its verdicts and intervals, and the setup fields that differ.',
  );
  const positionals = given as string[];
  if (positionals.length < 2) throw new UsageError(`compare needs two or more run folders; ${usage}`);
  const twice = positionals.find((d, i) => positionals.indexOf(d) !== i);
  if (twice) throw new UsageError(`${twice} is given twice; name each run folder once`);
  // Refusals of the files themselves exit 1 (a bad flag or argument list exits 2), as everywhere in the CLI.
  const inputs: CompareInput[] = positionals.map((dir) => {
    if (existsSync(dir) && !statSync(dir).isDirectory())
      throw new Error(
        `${dir}: a file; compare takes run folders (the folder that holds report.json, e.g. public/runs/cpu)`,
      );
    const file = join(dir, 'report.json');
    if (!existsSync(file)) throw new Error(`${file}: missing; ${missingReportAdvice(dir)}`);
    try {
      return { source: dir, report: JSON.parse(readFileSync(file, 'utf8')) as CompareInput['report'] };
    } catch (e) {
      throw new Error(
        `${file}: not valid JSON (${(e as Error).message.split('\n')[0]}); rebuild it with npm run report -- ${dir}`,
        { cause: e },
      );
    }
  });
  const rows = compareRuns(inputs);
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
