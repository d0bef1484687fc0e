/**
 * `npx tsx scripts/arm-diff.ts RUN/metrics.csv A B [--metric val/image_loss]`
 * The paired difference A − B of one metric (default the held-out image-token loss, nats per token) at the last step
 * both arms were evaluated: per seed A − B, then the mean, sd and 95% t-interval over the seeds that have both
 * (src/core/experiment/stats.ts, the report's own statistic). For pairs the report does not judge — e.g. what an
 * English mix costs on image tokens (pretrained-mix against pretrained) — so a README can quote them with the command
 * that made them. Exits 2 naming the arm when an arm has no value of the metric, or no seed has both.
 */
import { readFileSync } from 'node:fs';
import { curveOf, lastStep } from '../src/core/experiment/curves';
import { parseMetricsCsv } from '../src/core/experiment/metrics-csv';
import { tInterval, type Interval } from '../src/core/experiment/stats';
import type { MetricRecord } from '../src/worker/protocol';

/**
 * A − B at the last step A was evaluated, paired by seed (each arm's curve read as the report reads it: curves.ts).
 * Paired by step, not at equal tokens as the report's pairs are: an arm whose batches hold other tokens (the mix's
 * English) counts another number of tokens per step, so equal-token pairing finds no common budget at the end.
 * Throws naming what is missing.
 */
export function armDiff(
  records: MetricRecord[],
  a: string,
  b: string,
  metric: string,
): Interval & { step: number; perSeed: number[] } {
  const ofA = records.filter((r) => r.arm === a);
  const last = lastStep(ofA, metric);
  if (last < 0) throw new Error(`no ${metric} for arm ${a}`);
  const seeds = [...new Set(ofA.filter((r) => r.step === last).map((r) => r.seed))].sort((x, y) => x - y);
  const at = (arm: string, seed: number) => curveOf(records, arm, seed, metric).find((p) => p.step === last)?.value;
  const perSeed = seeds.flatMap((s) => {
    const [va, vb] = [at(a, s), at(b, s)];
    return va === undefined || vb === undefined ? [] : [va - vb];
  });
  if (perSeed.length === 0) throw new Error(`no seed has ${metric} for both ${a} and ${b} at step ${last}`);
  return { ...tInterval(perSeed), step: last, perSeed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const mi = args.indexOf('--metric');
  const metric = mi >= 0 ? args.splice(mi, 2)[1] : 'val/image_loss';
  const [file, a, b] = args;
  if (!file || !a || !b) {
    console.error('usage: npx tsx scripts/arm-diff.ts RUN/metrics.csv A B [--metric val/image_loss]');
    process.exit(2);
  }
  try {
    const d = armDiff(parseMetricsCsv(readFileSync(file, 'utf8'), file), a, b, metric);
    const f = (x: number) => x.toFixed(4);
    const ci = d.ci95 ? `95% CI ${f(d.ci95[0])} to ${f(d.ci95[1])}` : 'no interval';
    console.log(
      `${file}: ${metric}, ${a} − ${b} at step ${d.step}: ${f(d.mean)} (${ci}; sd ${d.sd === null ? '—' : f(d.sd)}, ${d.n} seeds)`,
    );
  } catch (e) {
    console.error(`arm-diff: ${file}: ${(e as Error).message}`);
    process.exit(2);
  }
}
