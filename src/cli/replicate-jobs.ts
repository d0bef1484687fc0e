/**
 * `replicate --jobs N` (issue 26 item 1, docs/cli.md): the seeds run in N child processes at once — each
 * `replicate --seeds m --first-seed k` into its own folder OUT/seeds/s<k>-<k+m−1>/ — and their result cards are
 * pooled (core/experiment/pool.ts) into OUT/report.json, report.html, metrics.csv and OUT's own card: the numbers of
 * one process over the same seeds (a seed's records do not depend on which other seeds share its process). The
 * default is one job per core, at most one per seed, and no more than the free memory holds by the estimate of
 * core/experiment/memory.ts plus a process's own footprint; an explicit --jobs that does not fit is refused.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { cardIdentity } from '../core/experiment/card';
import type { ExperimentConfig } from '../core/experiment/config';
import { reportHtml } from '../core/experiment/html';
import { estimateMemory, type DataShape, type LmShape } from '../core/experiment/memory';
import { metricsCsv } from '../core/experiment/metrics-csv';
import { poolCards, pooledReport } from '../core/experiment/pool';
import { poolSection } from '../core/experiment/pool-html';
import { readCards, writeCard } from './card-file';
import { UsageError, intArg } from './common';

/**
 * What one replicate process holds besides the experiment's own tensors (Node, tsx, tfjs-wasm's heap, the shipped
 * data): the peak resident size of `replicate --preset smoke --seeds 3` measured here (VmHWM 525 MiB, Node 20, wasm),
 * rounded up.
 */
export const PROCESS_BYTES = 576 * 2 ** 20;

const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GB`;

/** The seeds of each job: `jobs` contiguous runs of firstSeed … firstSeed+seeds−1, the first ones a seed longer. */
export function planJobs(firstSeed: number, seeds: number, jobs: number): { first: number; seeds: number }[] {
  const n = Math.min(jobs, seeds);
  const out: { first: number; seeds: number }[] = [];
  let k = firstSeed;
  for (let j = 0; j < n; j++) {
    const m = Math.floor(seeds / n) + (j < seeds % n ? 1 : 0);
    out.push({ first: k, seeds: m });
    k += m;
  }
  return out;
}

/**
 * How many jobs to run: --jobs as given (refused, with the estimate, when the free memory cannot hold that many), or
 * by default one per core, at most one per seed, as many as the free memory holds (at least one).
 */
export function chooseJobs(
  flag: string | undefined,
  cfg: ExperimentConfig,
  lm: LmShape,
  data: DataShape,
  free = os.freemem(),
  cores = os.availableParallelism(),
): number {
  const perJob = (seeds: number) => estimateMemory({ ...cfg, seeds }, lm, data).total + PROCESS_BYTES;
  if (flag !== undefined) {
    const jobs = intArg(flag, 'jobs', 1, 256);
    if (jobs === 1) return 1;
    const plan = planJobs(0, cfg.seeds, jobs);
    const need = plan.reduce((s, p) => s + perJob(p.seeds), 0);
    if (need > free)
      throw new UsageError(
        `--jobs ${jobs}: ${plan.length} processes need about ${gb(need)} (${gb(perJob(plan[0].seeds))} each by the memory estimate), but ${gb(free)} is free; lower --jobs`,
      );
    return plan.length;
  }
  let jobs = Math.max(1, Math.min(cores, cfg.seeds));
  while (jobs > 1 && planJobs(0, cfg.seeds, jobs).reduce((s, p) => s + perJob(p.seeds), 0) > free) jobs--;
  return jobs;
}

/** The command line for one job: the parent's flags without --jobs/--seeds/--first-seed/--out, then the job's own. */
export function jobArgs(argv: string[], job: { first: number; seeds: number }, out: string): string[] {
  const drop = new Set(['--jobs', '--seeds', '--first-seed', '--out']);
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag] = argv[i].split('=');
    if (drop.has(flag)) {
      if (!argv[i].includes('=')) i++; // its value
      continue;
    }
    kept.push(argv[i]);
  }
  return [...kept, '--seeds', String(job.seeds), '--first-seed', String(job.first), '--out', out, '--jobs', '1'];
}

export const jobDir = (out: string, job: { first: number; seeds: number }) =>
  join(out, 'seeds', `s${job.first}-${job.first + job.seeds - 1}`);

/** Run one job as a child replicate process, its lines prefixed with its seeds; rejects naming its folder on failure. */
function runJob(args: string[], tag: string, log: (s: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const lines = (buf: Buffer) => {
      for (const l of buf.toString().split('\n')) if (l.trim()) log(`[${tag}] ${l}`);
    };
    child.stdout.on('data', lines);
    child.stderr.on('data', (b: Buffer) => {
      tail = b.toString().trim().split('\n').pop() ?? tail;
      lines(b);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`the job of seeds ${tag} failed (exit ${code}): ${tail}`)),
    );
  });
}

/**
 * Run `plan`'s jobs at once and pool their cards into `out`. With `stopAt` short of the end only the jobs run (each
 * resumable in its folder with --resume). Returns the pooled report's verdict sentences.
 */
export async function runJobs(
  argv: string[],
  out: string,
  plan: { first: number; seeds: number }[],
  finishing: boolean,
  log: (s: string) => void,
): Promise<string[]> {
  if (existsSync(join(out, 'checkpoints')))
    throw new UsageError(
      `${out} holds a run made in one process (checkpoints/); continue it with --jobs 1, or pass another --out`,
    );
  mkdirSync(join(out, 'seeds'), { recursive: true });
  log(
    `replicate: ${plan.length} jobs at once: ${plan.map((j) => `seeds ${j.first}…${j.first + j.seeds - 1}`).join(', ')} → ${join(out, 'seeds')}/`,
  );
  const results = await Promise.allSettled(
    plan.map((j) => runJob(jobArgs(argv, j, jobDir(out, j)), `s${j.first}-${j.first + j.seeds - 1}`, log)),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (!finishing) return [];
  const pooled = poolCards(readCards(plan.map((j) => jobDir(out, j))));
  if (pooled.refused.length) throw new Error(pooled.refused.map((r) => r.message).join('; '));
  const report = pooledReport(pooled);
  writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(out, 'metrics.csv'), metricsCsv(pooled.records));
  writeFileSync(join(out, 'report.html'), reportHtml(report, pooled.records, [poolSection(pooled)]));
  const firstCard = readCards([jobDir(out, plan[0])])[0].card;
  const meta = report.meta as { stopped?: string[]; quality?: Parameters<typeof writeCard>[1]['quality'] };
  writeCard(out, {
    identity: cardIdentity(firstCard),
    config: pooled.config!,
    seat: null,
    records: pooled.records,
    engine: firstCard.engine,
    backend: firstCard.backend,
    origin: 'cli',
    valImages: firstCard.valImages,
    stopped: meta.stopped ?? [],
    quality: meta.quality ?? null,
  });
  return [report.effects.image_loss, report.effects.caption_gap, report.effects.forgetting].map((e) => e.sentence);
}
