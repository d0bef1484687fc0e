/**
 * `npm run pool -- DIR|CARD … --out OUT` (docs/class.md): pools result cards — each a `*.tabula.json`, or a run folder
 * holding one — into OUT/report.json, OUT/report.html and OUT/metrics.csv: the same report and verdict rules
 * (core/experiment/report.ts) over the union of their seeds, so single-seed runs pooled give the numbers of one run
 * over the same seeds. Every card must share the class's setup fingerprint; a damaged card, one whose checksum
 * fails, one from newer rules, or one of another setup is refused naming it: every refused card is listed on stderr
 * and nothing is written (exit 1), unless `--leave-out-refused` pools the rest and lists the refused ones in the
 * report's "Left out". A seed given twice keeps the first card's and says which.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CardError } from '../core/experiment/card';
import { reportHtml } from '../core/experiment/html';
import { metricsCsv } from '../core/experiment/metrics-csv';
import { effectLine, poolCards, pooledReport } from '../core/experiment/pool';
import { poolSection } from '../core/experiment/pool-html';
import { leftOutLine } from '../core/experiment/left-out';
import { collectCards } from './card-file';
import { UsageError, escapeControls, parseFlags, runCli } from './common';

async function main(): Promise<void> {
  const usage =
    'usage: npm run pool -- DIR|CARD … --out OUT [--leave-out-refused] (result cards *.tabula.json, or run folders holding one)';
  const { values: a, positionals } = parseFlags(
    {
      out: {
        type: 'string',
        value: 'OUT',
        description: 'folder for the pooled report.json, report.html and metrics.csv',
      },
      'leave-out-refused': {
        type: 'boolean',
        default: false,
        description:
          'pool the cards that are accepted and list the refused ones under "Left out" in the report (without it, a refused card writes nothing, exit 1)',
      },
    },
    usage,
    true,
    "Pools the result cards of runs of one setup (a class's seats, or replicate --first-seed runs) into one report over the union of their seeds.",
  );
  if (!a.out) throw new UsageError(`--out is required; ${usage}`);
  if (!positionals.length) throw new UsageError(`give one or more result cards or run folders; ${usage}`);
  const { cards, unread } = collectCards(positionals);
  const pooled = poolCards(cards, unread);
  const n = pooled.refused.length;
  // Every refused card, one line each (runCli prints only an error's first line).
  for (const r of pooled.refused) console.error(`pool: refused ${escapeControls(leftOutLine(r))}`);
  if (n && !a['leave-out-refused'])
    throw new CardError(
      `${n} card${n === 1 ? '' : 's'} refused (listed above); nothing written. Fix or remove ${n === 1 ? 'it' : 'them'}, or pool the rest with --leave-out-refused (the report then lists ${n === 1 ? 'it' : 'them'} under "Left out")`,
    );
  if (!pooled.config) throw new CardError('every card given was refused (listed above); nothing to pool');
  for (const d of pooled.duplicates) console.log(`pool: ${escapeControls(d)}`);
  const report = pooledReport(pooled);
  mkdirSync(a.out, { recursive: true });
  writeFileSync(join(a.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(a.out, 'metrics.csv'), metricsCsv(pooled.records));
  writeFileSync(join(a.out, 'report.html'), reportHtml(report, pooled.records, [poolSection(pooled)]));
  console.log(
    `pool: ${pooled.used.length} card(s) of setup ${pooled.fingerprint}, ${pooled.seeds.length} seed(s) (${pooled.seeds.join(', ')})`,
  );
  const e = report.effects;
  for (const [name, eff] of [
    ['A', e.image_loss],
    ['B', e.caption_gap],
    ['C', e.forgetting],
  ] as const)
    console.log(`${name}. ${effectLine(eff)}`);
  for (const c of report.caveats.filter((x) => x.startsWith('Power'))) console.log(c);
  console.log(`pool: → ${join(a.out, 'report.html')}`);
}

runCli('pool', main);
