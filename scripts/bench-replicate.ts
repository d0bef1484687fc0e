/**
 * `npm run -s bench:replicate -- [--seeds 2] [--steps 60] [--repeats 1] [--jobs 2] [--threads 1,2] [--python PATH]
 *   [--lm DIR] [--keep DIR]`: a timing script (not a test). Runs the cpu preset — by default reduced to 2 seeds × 60
 * steps, the same shape (model, batch 16, evaluation schedule and images, the finish) — with `npm run replicate` on
 * the one-process tfjs engine (--jobs 1, the baseline), on tfjs with --jobs N (seeds in N processes, pooled) and on
 * the torch engine (src/cli/torch-engine.ts) at each thread count, interleaved in fresh processes, and prints each
 * run's wall time and phases (report.json meta.phases; a --jobs N run's pooled report has none: '—') side by side
 * with the ratio baseline / run. The machine may be shared: read the ratios within one repeat.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelpRequest, UsageError, parseFlags } from '../src/cli/common';
import { PRESETS } from '../src/core/experiment/config';

const { values: a } = flags(() =>
  parseFlags(
    {
      seeds: { type: 'string', default: '2', value: 'N', description: 'seeds of the cpu preset in each run' },
      steps: { type: 'string', default: '60', value: 'N', description: 'steps of the cpu preset in each run' },
      repeats: {
        type: 'string',
        default: '1',
        value: 'N',
        description: 'interleaved repeats of the whole set of runs',
      },
      jobs: {
        type: 'string',
        default: '2',
        value: 'N[,M]',
        description: 'tfjs runs with --jobs N besides the one-process baseline (0: none)',
      },
      threads: {
        type: 'string',
        default: '1,2',
        value: 'N[,M]',
        description: "torch's CPU threads, one torch run per value",
      },
      python: {
        type: 'string',
        default: process.env.TABULA_PYTHON ?? 'python3',
        value: 'PATH',
        description: 'the Python interpreter of the torch engine',
      },
      lm: {
        type: 'string',
        value: 'DIR',
        description: 'the pre-trained LM (replicate --lm)',
        defaultText: "replicate's",
      },
      keep: {
        type: 'string',
        value: 'DIR',
        description: 'keep the run folders here',
        defaultText: 'a temporary folder, deleted',
      },
    },
    'usage: npm run -s bench:replicate -- [--seeds 2] [--steps 60] [--repeats 1] [--jobs 2] [--threads 1,2] [--python PATH] [--lm DIR] [--keep DIR]',
  ),
);

/** The flags, or --help printed (exit 0), or a bad flag in one line (exit 2). */
function flags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof HelpRequest) {
      process.stdout.write(e.message);
      process.exit(0);
    }
    process.stderr.write(`bench:replicate: ${(e as Error).message}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  }
}
const base = ['--preset', 'cpu', '--seeds', a.seeds!, '--steps', a.steps!, ...(a.lm ? ['--lm', a.lm] : [])];
const threads = a.threads!.split(',').map(Number);
const jobs = a
  .jobs!.split(',')
  .map(Number)
  .filter((n) => n > 1);
const root = a.keep ?? mkdtempSync(join(tmpdir(), 'bench-replicate-'));

interface Timed {
  engine: string;
  wall: number;
  phases: Record<string, number>;
}

/** One `npm run replicate` in a fresh process: its wall time (s) and report.json's phases. Exits on failure. */
function replicate(name: string, extra: string[]): Timed {
  const out = join(root, name);
  rmSync(out, { recursive: true, force: true });
  const t = performance.now();
  const r = spawnSync('npx', ['tsx', 'src/cli/replicate.ts', ...base, '--out', out, ...extra], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    // Every run pays its whole finish: a warm finish cache (finish-cache.ts) would favour whichever engine runs second.
    env: { ...process.env, TABULA_CACHE: 'off' },
  });
  const wall = (performance.now() - t) / 1000;
  if (r.status !== 0) {
    console.error(
      `bench:replicate: ${name} failed (status ${r.status}):\n${(r.stdout + r.stderr).split('\n').slice(-15).join('\n')}`,
    );
    process.exit(1);
  }
  const meta = (
    JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { meta: { phases?: Record<string, number> } }
  ).meta;
  console.log(`  ${name}: ${wall.toFixed(1)} s`);
  return { engine: name, wall, phases: meta.phases ?? {} };
}

const rows: Timed[][] = [];
console.log(
  `bench:replicate: cpu preset, ${a.seeds} seed(s) × ${a.steps} steps × arms ${PRESETS.cpu.arms.join(', ')}; finish cache off; tfjs (one process, wasm: the baseline)${jobs.map((j) => `, tfjs --jobs ${j}`).join('')}, torch at ${threads.join(', ')} thread(s); ${a.repeats} interleaved repeat(s) in ${root}`,
);
for (let rep = 0; rep < Number(a.repeats); rep++) {
  const row = [replicate(`tfjs-${rep}`, ['--jobs', '1'])];
  for (const j of jobs) row.push(replicate(`tfjs×${j}-${rep}`, ['--jobs', String(j)]));
  for (const n of threads)
    row.push(replicate(`torch${n}-${rep}`, ['--engine', 'torch', '--python', a.python!, '--threads', String(n)]));
  rows.push(row);
}

// Phase by phase: the baseline's seconds, each other run's seconds and the ratio, per repeat; then the wall-time ratios.
const phases = [...new Set(rows.flat().flatMap((r) => Object.keys(r.phases)))];
const cell = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(1)).padStart(8);
const ratio = (x: number | undefined, y: number | undefined) =>
  (x === undefined || y === undefined || y === 0 ? '—' : `${(x / y).toFixed(2)}×`).padStart(8);
for (const [rep, row] of rows.entries()) {
  const [tf, ...others] = row;
  console.log(`\nrepeat ${rep + 1}: seconds by phase (ratio = one-process tfjs / run)`);
  console.log(
    `${'phase'.padEnd(18)}${'tfjs'.padStart(8)}${others.map((t) => `${t.engine.replace(/-\d+$/, '').padStart(8)}${'ratio'.padStart(8)}`).join('')}`,
  );
  const sum = (t: Timed, keys: string[]) => keys.reduce((s, k) => s + (t.phases[k] ?? 0), 0);
  const groups: [string, string[]][] = [
    ...phases.map((p) => [p, [p]] as [string, string[]]),
    ['training (train+eval+ckpt)', ['train', 'evaluation', 'checkpoint']],
    ['finish (all parts)', ['restore', 'finishEvaluation', 'samples', 'quality', 'analysis', 'report']],
  ];
  for (const [label, keys] of groups) {
    const x = keys.every((k) => tf.phases[k] === undefined) ? undefined : sum(tf, keys);
    console.log(
      `${label.padEnd(18)}${cell(x)}${others
        .map((t) => {
          const y = keys.every((k) => t.phases[k] === undefined) ? undefined : sum(t, keys);
          return `${cell(y)}${ratio(x, y)}`;
        })
        .join('')}`,
    );
  }
  console.log(
    `${'wall (process)'.padEnd(18)}${cell(tf.wall)}${others.map((t) => `${cell(t.wall)}${ratio(tf.wall, t.wall)}`).join('')}`,
  );
}
if (!a.keep) rmSync(root, { recursive: true, force: true });
