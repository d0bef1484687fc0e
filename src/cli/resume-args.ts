/**
 * `replicate --resume` safety: the flags that define a run are saved as `<out>/checkpoints/experiment.json` when it
 * starts; resuming with any of them changed is refused naming each flag and both values (the backend and --stop-at
 * may change), and starting afresh over an --out that holds checkpoints is refused instead of overwriting them.
 * The metrics log kept for resuming is read with messages naming its file and line.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { PRESETS, type ExperimentConfig } from '../core/experiment/config';
import type { MetricRecord } from '../core/experiment/runner';
import { UsageError } from './common';
import { SHIPPED_MODELS } from '../core/shipped';

export const EXPERIMENT_FILE = 'experiment.json';

/** The run-defining flags, by flag name, with paths made absolute so `./x` and `x` compare equal. */
export type RunFlags = Record<string, string | number | boolean | null>;

export function runFlags(
  cfg: ExperimentConfig,
  o: { dataset?: string; lm: string; vq: string; trainVq: boolean; tokens?: number | null },
): RunFlags {
  return {
    preset: cfg.preset,
    seeds: cfg.seeds,
    'first-seed': cfg.firstSeed || null, // null when 0, as folders saved before --first-seed have none
    arms: cfg.arms.join(','),
    steps: cfg.steps,
    tokens: o.tokens ?? null,
    batch: cfg.batchSize,
    lr: [cfg.lr, ...Object.entries(cfg.lrByArm ?? {}).map(([arm, lr]) => `${arm}=${lr}`)].join(','),
    schedule: cfg.schedule,
    warmup: cfg.warmupSteps,
    'eval-every': cfg.evalEvery,
    'eval-images': cfg.evalImages,
    dataset: o.dataset === undefined ? null : resolve(o.dataset),
    'caption-level': cfg.captionLevel,
    'row-init': cfg.rowInit,
    'train-vq': o.trainVq,
    lm: resolve(o.lm),
    vq: resolve(o.vq),
  };
}

function show(flag: string, v: unknown): string {
  if (v === null || v === undefined) return `no --${flag}`;
  if (typeof v === 'boolean') return v ? `--${flag}` : `no --${flag}`;
  return `--${flag} ${v}`;
}

/** Run folders (`<arm>-s<seed>`, or what an interrupted save left) under `<out>/checkpoints`. */
function savedRuns(out: string): string[] {
  const dir = join(out, 'checkpoints');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.endsWith('.partial'))
    .map((d) => d.name);
}

/**
 * Refuse what would mix or lose runs: --resume with run-defining flags other than those saved, or a fresh start
 * over saved checkpoints. Throws UsageError naming the flags and the fix.
 */
export function checkResume(out: string, flags: RunFlags, resume: boolean): void {
  const runs = savedRuns(out);
  if (!resume) {
    if (runs.length > 0)
      throw new UsageError(
        `${out} already holds checkpoints (${runs.join(', ')}); continue that experiment with --resume, or pass another --out (nothing was overwritten)`,
      );
    return;
  }
  const file = join(out, 'checkpoints', EXPERIMENT_FILE);
  if (!existsSync(file)) return; // nothing saved yet (or a folder from before experiment.json): nothing to compare
  let saved: RunFlags;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as RunFlags;
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw new Error('not a JSON object');
  } catch (e) {
    throw new UsageError(
      `${file}: is not a valid record of the run's flags (${(e as Error).message}); restore it or start again with another --out`,
    );
  }
  const changed = Object.keys(flags).filter((k) => JSON.stringify(saved[k] ?? null) !== JSON.stringify(flags[k]));
  if (changed.length > 0)
    throw new UsageError(
      `--resume with flags that change the run: ${changed.map((k) => `${show(k, flags[k])} (the run was started with ${show(k, saved[k])})`).join('; ')}. Resume with the original flags, or start a new run with another --out`,
    );
}

/**
 * The metric records of `<out>/metrics.partial.jsonl`. A cut last line (a kill mid-append) is dropped with a note —
 * those metrics are recomputed; any other line that is not a record is refused naming the file and line.
 */
export function readPartialMetrics(file: string, log: (s: string) => void): MetricRecord[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const out: MetricRecord[] = [];
  lines.forEach((line, i) => {
    let r: MetricRecord | null;
    try {
      r = JSON.parse(line) as MetricRecord;
    } catch {
      r = null;
    }
    const ok =
      r !== null &&
      typeof r === 'object' &&
      typeof r.arm === 'string' &&
      Number.isInteger(r.seed) &&
      Number.isInteger(r.step) &&
      typeof r.metric === 'string' &&
      (typeof r.value === 'number' || r.value === null);
    if (ok)
      out.push({ ...r!, value: r!.value ?? NaN }); // JSON writes NaN as null
    else if (i === lines.length - 1)
      log(`replicate: ${file}: dropped a cut last line (line ${i + 1}); its metrics are computed again`);
    else
      throw new UsageError(
        `${file}: line ${i + 1} is not a metric record (${JSON.stringify(line.slice(0, 60))}); delete the line, or the file to recompute every metric`,
      );
  });
  return out;
}

/** replicate's --lm and --vq defaults (run from the project's root). */
export const DEFAULT_MODELS = {
  lm: `public/models/${SHIPPED_MODELS.lm}`,
  vq: `public/models/${SHIPPED_MODELS.vq}`,
} as const;

/** Flags whose saved value is passed back as `--flag value` when it differs from the preset (in this order). */
const VALUE_FLAGS: [keyof RunFlags & string, keyof ExperimentConfig | null][] = [
  ['seeds', 'seeds'],
  ['arms', 'arms'],
  ['batch', 'batchSize'],
  ['schedule', 'schedule'],
  ['warmup', 'warmupSteps'],
  ['eval-every', 'evalEvery'],
  ['eval-images', 'evalImages'],
  ['caption-level', 'captionLevel'],
  ['row-init', 'rowInit'],
];

/** A path as a shell word (quoted when it has anything but plain path characters). */
const word = (s: string) => (/^[\w./=,:@+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/**
 * The command that continues the stopped run in `out`: `npm run replicate -- <the saved run-defining flags> --out OUT
 * --resume`, built from `<out>/checkpoints/experiment.json` so that checkResume accepts it (and, when the run swept
 * its rates, the sweep's flags from `<out>/sweep.json`, whose recorded rates --resume keeps). Null when the folder
 * has no saved flags, or their rates cannot be written as one --lr (a base rate other than the preset's together with
 * per-arm rates).
 */
export function resumeCommand(out: string): string | null {
  const file = join(out, 'checkpoints', EXPERIMENT_FILE);
  let f: RunFlags;
  try {
    f = JSON.parse(readFileSync(file, 'utf8')) as RunFlags;
  } catch {
    return null;
  }
  const preset = typeof f.preset === 'string' ? PRESETS[f.preset] : undefined;
  if (!preset) return null;
  const args: string[] = ['--preset', f.preset as string];
  const presetValue = (k: keyof ExperimentConfig) =>
    Array.isArray(preset[k]) ? (preset[k] as string[]).join(',') : preset[k];
  for (const [flag, key] of VALUE_FLAGS)
    if (f[flag] !== null && f[flag] !== undefined && (key === null || String(f[flag]) !== String(presetValue(key))))
      args.push(`--${flag}`, String(f[flag]));
  if (f.tokens !== null && f.tokens !== undefined) args.push('--tokens', String(f.tokens));
  else if (f.steps !== preset.steps) args.push('--steps', String(f.steps));
  const [base, ...perArm] = String(f.lr).split(',');
  const presetLr = [preset.lr, ...Object.entries(preset.lrByArm ?? {}).map(([arm, lr]) => `${arm}=${lr}`)].join(',');
  let sweep: { lrs?: number[]; steps?: number; seeds?: number; protocol?: unknown } | null;
  try {
    sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
  } catch {
    sweep = null;
  }
  if (sweep?.protocol && sweep.seeds) {
    args.push('--lr-sweep', 'fair', '--sweep-seeds', String(sweep.seeds));
    if (Number(base) !== preset.lr) args.push('--lr', base); // the fair grid's centre
  } else if (sweep?.lrs && sweep.steps && sweep.seeds)
    args.push(
      '--lr-sweep',
      sweep.lrs.join(','),
      '--sweep-steps',
      String(sweep.steps),
      '--sweep-seeds',
      String(sweep.seeds),
    );
  else if (String(f.lr) !== presetLr) {
    if (!perArm.length) args.push('--lr', base);
    else if (Number(base) === preset.lr) args.push('--lr', perArm.join(','));
    else return null;
  }
  if (f.dataset) args.push('--dataset', String(f.dataset));
  if (f['train-vq'] === true) args.push('--train-vq');
  // The models as replicate's defaults when they are those (so the report names them as other runs' do), else relative to here.
  const model = (flag: 'lm' | 'vq') => {
    const p = String(f[flag]);
    if (p === resolve(DEFAULT_MODELS[flag])) return;
    const rel = relative(process.cwd(), p);
    args.push(`--${flag}`, rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p);
  };
  model('lm');
  model('vq');
  args.push('--out', out, '--resume');
  return `npm run replicate -- ${args.map(word).join(' ')}`;
}
