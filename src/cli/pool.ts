/**
 * `npm run pool -- DIR|CARD … --out OUT` (docs/class.md): pools result cards — each a `*.tabula.json`, or a run folder
 * holding one — into OUT/report.json, OUT/report.html and OUT/metrics.csv: the same report and verdict rules
 * (core/experiment/report.ts) over the union of their seeds, so single-seed runs pooled give the numbers of one run
 * over the same seeds. Every card must share the first one's setup fingerprint; a damaged card, one whose checksum
 * fails, one from newer rules, or one of another setup is refused naming it (exit 1); a seed given twice keeps the
 * first card's and says which.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CardError } from '../core/experiment/card';
import { reportHtml } from '../core/experiment/html';
import { metricsCsv } from '../core/experiment/metrics-csv';
import { poolCards, pooledReport } from '../core/experiment/pool';
import { poolSection } from '../core/experiment/pool-html';
import { readCards } from './card-file';
import { UsageError, parseFlags, runCli } from './common';

async function main(): Promise<void> {
  const usage = 'usage: npm run pool -- DIR|CARD … --out OUT (result cards *.tabula.json, or run folders holding one)';
  const { values: a, positionals } = parseFlags(
    {
      out: {
        type: 'string',
        value: 'OUT',
        description: 'folder for the pooled report.json, report.html and metrics.csv',
      },
    },
    usage,
    true,
    "Pools the result cards of runs of one setup (a class's seats, or replicate --first-seed runs) into one report over the union of their seeds.",
  );
  if (!a.out) throw new UsageError(`--out is required; ${usage}`);
  if (!positionals.length) throw new UsageError(`give one or more result cards or run folders; ${usage}`);
  const cards = readCards(positionals); // CardError (exit 1) names the card
  const pooled = poolCards(cards);
  if (pooled.refused.length)
    throw new CardError(
      pooled.refused[0] +
        (pooled.refused.length > 1
          ? ` (and ${pooled.refused.length - 1} more card${pooled.refused.length > 2 ? 's' : ''} refused)`
          : ''),
    );
  for (const d of pooled.duplicates) console.log(`pool: ${d}`);
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
    console.log(`${name}. ${eff.verdict}${eff.detail ? ` — ${eff.detail}` : ''}: ${eff.sentence}`);
  for (const c of report.caveats.filter((x) => x.startsWith('Power'))) console.log(c);
  console.log(`pool: → ${join(a.out, 'report.html')}`);
}

runCli('pool', main);
