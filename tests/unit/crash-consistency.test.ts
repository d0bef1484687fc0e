// Crash consistency (issue 24, kind 1): a smoke `replicate` is killed with SIGKILL at chosen writes of its run
// folder (src/cli/kill-points.ts: inside a checkpoint file, between a checkpoint's renames, between one run's save and
// the other's, inside an append to the metric log, inside the resume's rewrite of that log, in the finish) and at a
// timed instant; after every kill the folder is checked (each checkpoint whole, and every record up to its step in
// the log), and after the last --resume metrics.csv and report.json must be the uninterrupted run's (speed/*, mem/*,
// wall_time and the report's seconds and command aside) — in particular no record lost and no invented NaN stop.
// CI runs one chain of kills (each --resume killed again) and one timed kill (about 2 minutes on 2 cores);
// TABULA_CRASH_SWEEP=1 also kills a fresh run at every kill point of the uninterrupted run (66 for the smoke preset)
// and at 12 instants spread over its wall time (about 40 minutes); TABULA_CRASH_SWEEP=K takes every K-th of both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPartialMetrics } from '../../src/cli/resume-args';

const SWEEP = Math.max(0, Math.floor(Number(process.env.TABULA_CRASH_SWEEP ?? 0)) || 0);
const root = mkdtempSync(join(tmpdir(), 'crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  log: string;
}

/** `replicate --preset smoke --out OUT [--resume]`, killed at `killAt` (TABULA_KILL_AT) or by `killWhen` (polled), or not. */
function replicate(
  out: string,
  o: { resume?: boolean; killAt?: string; trace?: string; killWhen?: () => boolean } = {},
): Promise<Exit> {
  const env = { ...process.env };
  delete env.TABULA_KILL_AT;
  delete env.TABULA_KILL_TRACE;
  if (o.killAt) env.TABULA_KILL_AT = o.killAt;
  if (o.trace) env.TABULA_KILL_TRACE = o.trace;
  const child = spawn(
    'node',
    ['--import', 'tsx', 'src/cli/replicate.ts', '--preset', 'smoke', '--out', out, ...(o.resume ? ['--resume'] : [])],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const poll = o.killWhen
    ? setInterval(() => {
        if (o.killWhen!()) child.kill('SIGKILL');
      }, 2)
    : null;
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, log });
    }),
  );
}

type Records = Map<string, number>;
const key = (arm: string, seed: number | string, step: number | string, metric: string) =>
  `${arm}|${seed}|${step}|${metric}`;
/** Timing and memory vary from run to run; every other record must be the same. */
const compared = (metric: string) => !metric.startsWith('speed/') && !metric.startsWith('mem/');

/** metrics.csv as key → value (compared metrics only); a duplicated key fails. */
function readCsv(file: string): Records {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  expect(head.split(',').slice(0, 6)).toEqual(['arm', 'seed', 'step', 'tokens', 'metric', 'value']);
  const out: Records = new Map();
  for (const row of rows) {
    const [arm, seed, step, , metric, value] = row.split(',');
    if (!compared(metric)) continue;
    const k = key(arm, seed, step, metric);
    expect(out.has(k), `${file}: ${k} twice`).toBe(false);
    out.set(k, Number(value));
  }
  return out;
}

/** The report with what legitimately differs between runs (its seconds, phase times and command) left out. */
function readReport(dir: string): Record<string, unknown> {
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  delete report.meta.seconds;
  delete report.meta.phases;
  delete report.meta.command;
  return report;
}

let reference: Records;
let referenceReport: Record<string, unknown>;
let referenceFiles: Map<string, string[]>;
let points: string[];

/**
 * What must hold after a kill at any instant: each run's checkpoint (its folder, or the `.old` one a kill between the
 * renames leaves) is whole, and the metric log (a cut last line aside) holds every record of that run up to the
 * checkpoint's step, with the uninterrupted run's values; a report.json is never beside a missing metrics.csv.
 */
function checkFolder(out: string, what: string): void {
  const log = existsSync(join(out, 'metrics.partial.jsonl'))
    ? readPartialMetrics(join(out, 'metrics.partial.jsonl'), () => {})
    : [];
  const logged: Records = new Map(
    log.filter((r) => compared(r.metric)).map((r) => [key(r.arm, r.seed, r.step, r.metric), r.value]),
  );
  for (const [run, files] of referenceFiles) {
    const dir = [join(out, 'checkpoints', run), join(out, 'checkpoints', `${run}.old`)].find(existsSync);
    if (!dir) continue;
    expect(readdirSync(dir).sort(), `${what}: ${dir} is whole`).toEqual(files);
    const { arm, seed, step } = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as {
      arm: string;
      seed: number;
      step: number;
    };
    const due = [...reference].filter(([k]) => {
      const [a, s, st] = k.split('|');
      return a === arm && Number(s) === seed && Number(st) <= step;
    });
    expect(due.length).toBeGreaterThan(0);
    for (const [k, v] of due)
      expect(logged.get(k), `${what}: ${k} (checkpointed at step ${step}) is in the metric log`).toBe(v);
  }
  if (existsSync(join(out, 'report.json'))) expect(existsSync(join(out, 'metrics.csv'))).toBe(true);
}

/** Resume (no kill) until done, then the records and the report must be the uninterrupted run's. */
async function resumeAndCompare(out: string, what: string): Promise<void> {
  const r = await replicate(out, { resume: true });
  expect(r.code, `${what}: --resume\n${r.log}`).toBe(0);
  expect(r.log).not.toMatch(/NaN\/Inf/);
  const got = readCsv(join(out, 'metrics.csv'));
  expect([...got.keys()].sort(), `${what}: the same records`).toEqual([...reference.keys()].sort());
  for (const [k, v] of reference) expect(got.get(k), `${what}: ${k}`).toBe(v);
  expect(readReport(out), `${what}: the same report`).toEqual(referenceReport);
  // Nothing half-written is left behind: no temporary file of a killed writer, no checkpoint in the making.
  for (const d of [out, join(out, 'checkpoints')])
    expect(
      readdirSync(d).filter((f) => /\.tmp-\d+$|\.partial$|\.old$/.test(f)),
      `${what}: ${d}`,
    ).toEqual([]);
}

describe('a replicate run killed at any instant resumes to the uninterrupted run (kind 1)', () => {
  beforeAll(async () => {
    const r0 = join(root, 'r0');
    const trace = join(root, 'r0.trace');
    const r = await replicate(r0, { trace });
    expect(r.code, r.log).toBe(0);
    reference = readCsv(join(r0, 'metrics.csv'));
    referenceReport = readReport(r0);
    expect(JSON.stringify(referenceReport)).not.toMatch(/NaN\/Inf/);
    referenceFiles = new Map(
      ['pretrained-s0', 'scratch-s0'].map((run) => [run, readdirSync(join(r0, 'checkpoints', run)).sort()]),
    );
    points = readFileSync(trace, 'utf8').trim().split('\n');
    // Two runs × two checkpoints (steps 3 and 6), each file of each written through a kill point.
    expect(points.filter((p) => p === 'checkpoint:placed')).toHaveLength(4);
  }, 600_000);

  it('after a chain of kills, each --resume killed again at another kind of write', async () => {
    const out = join(root, 'chain');
    const chain = [
      // One run's checkpoint saved, the other's (same round) not yet: the case fault-kill-mid-save.
      'checkpoint:placed#1',
      // Inside the resume's rewrite of the metric log (to the records up to each checkpoint).
      'write:metrics.partial.jsonl#1',
      // Between a checkpoint's two renames: only <run>.old is whole.
      'checkpoint:moved-old#1',
      // Inside an append to the metric log: a cut last line.
      'append:metrics.partial.jsonl#2',
      // Inside a checkpoint file of the second save.
      'checkpoint:file#15',
      // In the finish: metrics.csv written, the report not.
      'wrote:metrics.csv#1',
    ];
    for (const [i, killAt] of chain.entries()) {
      const r = await replicate(out, { resume: i > 0, killAt });
      expect(r.signal, `killed at ${killAt}\n${r.log}`).toBe('SIGKILL');
      checkFolder(out, `after the kill at ${killAt}`);
    }
    await resumeAndCompare(out, 'the chain');
  }, 900_000);

  it('after a kill at a timed instant: as the first checkpoint save begins', async () => {
    const out = join(root, 'timed');
    const r = await replicate(out, { killWhen: () => existsSync(join(out, 'checkpoints', 'pretrained-s0.partial')) });
    expect(r.signal).toBe('SIGKILL');
    checkFolder(out, 'after the timed kill');
    await resumeAndCompare(out, 'the timed kill');
  }, 600_000);

  it.runIf(SWEEP > 0)(
    'after a kill at every kill point of the uninterrupted run, and at instants spread over it',
    async () => {
      const counts = new Map<string, number>();
      const at = points
        .map((p) => `${p}#${counts.set(p, (counts.get(p) ?? 0) + 1).get(p)}`)
        .filter((_, i) => i % SWEEP === 0);
      for (const killAt of at) {
        const out = join(root, `sweep-${killAt.replace(/[:#]/g, '_')}`);
        const r = await replicate(out, { killAt });
        expect(r.signal, `killed at ${killAt}\n${r.log}`).toBe('SIGKILL');
        checkFolder(out, `after the kill at ${killAt}`);
        await resumeAndCompare(out, `killed at ${killAt}`);
        rmSync(out, { recursive: true, force: true });
      }
      const t0 = Date.now();
      const r = await replicate(join(root, 'timing'));
      const wall = Date.now() - t0;
      expect(r.code).toBe(0);
      for (let i = 1; i <= 12; i += SWEEP) {
        const out = join(root, `instant-${i}`);
        const start = Date.now();
        await replicate(out, { killWhen: () => Date.now() - start >= (i * wall) / 13 });
        checkFolder(out, `after a kill at ${i}/13 of the wall time`);
        await resumeAndCompare(out, `killed at ${i}/13 of the wall time`);
        rmSync(out, { recursive: true, force: true });
      }
    },
    3_600_000,
  );
});
