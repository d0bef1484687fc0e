/**
 * The experiment-setup flags shared by the command lines that run or export an experiment (`npm run replicate`):
 * a preset and what overrides it. Each bad value is refused with the flag named and what it accepts.
 *   --preset P  --seeds N  --arms a,b,…  --steps N | --tokens N  --batch N  --lr X | --lr arm=X,arm=Y
 *   --lr-sweep X,Y,… [--sweep-steps N] [--sweep-seeds N]  --lr-from sweep.json  --schedule cosine|wsd
 *   --margin M (nats per token, the equivalence margin of the verdicts)  --warmup N  --eval-every N  --eval-images N (0: all)  --caption-level L0…L4  --row-init random|mean|aligned
 */
import { readFileSync } from 'node:fs';
import { LEVELS, type CaptionLevel } from '../core/data/captions';
import { ARMS, PRESETS, armsProblem, type ArmName, type ExperimentConfig } from '../core/experiment/config';
import { SCHEDULES, type Schedule } from '../core/nn/optim';
import type { SweepResult } from '../core/experiment/sweep';
import { UsageError, intArg, type FlagTable } from './common';

const PRESET_NAMES = Object.keys(PRESETS).join('|');
/** A setup field's default for --help: its value in every preset, or the one value they share. */
function byPreset(get: (c: ExperimentConfig) => unknown): string {
  const values = Object.entries(PRESETS).map(([name, c]) => [name, String(get(c))]);
  return new Set(values.map(([, v]) => v)).size === 1 ? `${values[0][1]} in every preset` : values.map(([name, v]) => `${name} ${v}`).join(', ');
}
const rates = (c: ExperimentConfig) => [String(c.lr), ...Object.entries(c.lrByArm ?? {}).map(([arm, lr]) => `${arm}=${lr}`)].join(' ');

/** The setup flags with what --help says of each (common.ts's FlagTable); every one overrides the preset's value. */
export const SETUP_OPTIONS = {
  preset: { type: 'string', value: PRESET_NAMES, description: 'the setup the other flags override', required: true },
  seeds: { type: 'string', value: 'N', description: 'seeds per arm, 1 to 20', defaultText: byPreset((c) => c.seeds) },
  arms: { type: 'string', value: 'a,b,…', description: `the arms, from ${ARMS.join(', ')}; a pre-trained arm needs its from-scratch twin`, defaultText: byPreset((c) => c.arms.join(',')) },
  steps: { type: 'string', value: 'N', description: 'training steps per run (or --tokens)', defaultText: byPreset((c) => c.steps) },
  tokens: { type: 'string', value: 'N', description: 'training budget in trained tokens per run, turned into steps once the data is known (or --steps)', defaultText: 'none' },
  batch: { type: 'string', value: 'N', description: 'sequences per step', defaultText: byPreset((c) => c.batchSize) },
  lr: { type: 'string', value: 'X|arm=X,…', description: 'peak learning rate: one for every arm, or per arm (--lr pretrained=0.015,scratch=0.006)', defaultText: byPreset(rates) },
  'lr-sweep': { type: 'string', value: 'X,Y,…', description: "train every arm at each rate for a short budget first, then each at its best (DIR/sweep.json)", defaultText: 'no sweep' },
  'sweep-steps': { type: 'string', value: 'N', description: 'steps of each sweep run (with --lr-sweep)', defaultText: 'a quarter of --steps' },
  'sweep-seeds': { type: 'string', value: 'N', description: 'seeds of each sweep run (with --lr-sweep)', defaultText: '2, at most --seeds' },
  'lr-from': { type: 'string', value: 'sweep.json', description: 'take each arm\'s rate from a recorded sweep (an --lr given too wins)', defaultText: 'none' },
  schedule: { type: 'string', value: SCHEDULES.join('|'), description: 'learning-rate schedule after warmup', defaultText: byPreset((c) => c.schedule) },
  margin: { type: 'string', value: 'M', description: "the verdicts' equivalence margin in nats per token, declared before the run", defaultText: byPreset((c) => c.margin) },
  warmup: { type: 'string', value: 'N', description: 'learning-rate warmup steps', defaultText: byPreset((c) => c.warmupSteps) },
  'eval-every': { type: 'string', value: 'N', description: 'steps between held-out evaluations', defaultText: byPreset((c) => c.evalEvery) },
  'eval-images': { type: 'string', value: 'N', description: 'held-out images per evaluation (0: all)', defaultText: byPreset((c) => c.evalImages) },
  'caption-level': { type: 'string', value: LEVELS.join('|'), description: 'the captions: L0 category … L4 name + keywords', defaultText: byPreset((c) => c.captionLevel) },
  'row-init': { type: 'string', value: 'random|mean|aligned', description: "how the pre-trained LM's new rows (image codes, special tokens) start", defaultText: byPreset((c) => c.rowInit) },
} as const satisfies FlagTable;

type Values = Partial<Record<keyof typeof SETUP_OPTIONS, string>>;

export interface Setup {
  cfg: ExperimentConfig;
  /** --tokens: the training budget in trained tokens per run, turned into steps once the data is known. */
  tokens: number | null;
  /** --lr-sweep: the rates to sweep and its budget, or null. */
  sweep: { lrs: number[]; steps: number; seeds: number } | null;
  /** --lr-from: the recorded sweep the rates came from (shown in the report), or null. */
  recordedSweep: SweepResult | null;
}

function positiveNumber(v: string, flag: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a positive number, got ${v}`);
  return n;
}

function armName(v: string, flag: string): ArmName {
  if (!(ARMS as readonly string[]).includes(v)) throw new UsageError(`--${flag}: unknown arm "${v}"; arms are ${ARMS.join(', ')}`);
  return v as ArmName;
}

/** Per-arm rates from --lr: one number for every arm, or arm=rate pairs separated by commas. */
export function parseLr(v: string): { lr?: number; byArm: Partial<Record<ArmName, number>> } {
  if (!v.includes('=')) return { lr: positiveNumber(v, 'lr'), byArm: {} };
  const byArm: Partial<Record<ArmName, number>> = {};
  for (const part of v.split(',')) {
    const [arm, rate] = part.split('=');
    if (rate === undefined) throw new UsageError(`--lr: "${part}" is not arm=rate (e.g. --lr pretrained=0.003,scratch=0.001)`);
    byArm[armName(arm.trim(), 'lr')] = positiveNumber(rate.trim(), 'lr');
  }
  return { byArm };
}

/** A recorded sweep (sweep.json written by `replicate --lr-sweep`) with its best rates checked. */
export function readSweep(file: string): SweepResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--lr-from ${file}: cannot read a sweep there (${(e as Error).message.split('\n')[0]})`);
  }
  const best = (parsed as { best?: Record<string, unknown> })?.best;
  if (!best || typeof best !== 'object') throw new UsageError(`--lr-from ${file}: no "best" rates in it; pass the sweep.json that replicate --lr-sweep wrote`);
  for (const [arm, rate] of Object.entries(best)) {
    armName(arm, 'lr-from');
    positiveNumber(String(rate), 'lr-from');
  }
  return parsed as SweepResult;
}

/** The config a preset and its overriding flags describe (flags win; --lr after --lr-from). */
export function parseSetup(a: Values): Setup {
  const presets = Object.keys(PRESETS).join(', ');
  if (!a.preset || !PRESETS[a.preset]) throw new UsageError(`--preset must be one of ${presets}${a.preset ? `, got ${a.preset}` : ''}`);
  const cfg: ExperimentConfig = { ...PRESETS[a.preset], lrByArm: { ...PRESETS[a.preset].lrByArm } };
  if (a.seeds !== undefined) cfg.seeds = intArg(a.seeds, 'seeds', 1, 20);
  if (a.arms !== undefined) {
    cfg.arms = [...new Set(a.arms.split(',').map((s) => armName(s.trim(), 'arms')))];
    const problem = armsProblem(cfg.arms);
    if (problem) throw new UsageError(`--arms: ${problem}`);
  }
  if (a.steps !== undefined && a.tokens !== undefined) throw new UsageError('give --steps or --tokens, not both');
  if (a.steps !== undefined) cfg.steps = intArg(a.steps, 'steps', 1, 1_000_000);
  const tokens = a.tokens === undefined ? null : intArg(a.tokens, 'tokens', 1, 1e12);
  if (a.batch !== undefined) cfg.batchSize = intArg(a.batch, 'batch', 1, 4096);
  if (a.warmup !== undefined) cfg.warmupSteps = intArg(a.warmup, 'warmup', 0, 1_000_000);
  if (a['eval-every'] !== undefined) cfg.evalEvery = intArg(a['eval-every'], 'eval-every', 1, 1_000_000);
  if (a['eval-images'] !== undefined) cfg.evalImages = intArg(a['eval-images'], 'eval-images', 0, 1_000_000);
  if (a.schedule !== undefined) {
    if (!(SCHEDULES as readonly string[]).includes(a.schedule)) throw new UsageError(`--schedule must be ${SCHEDULES.join(' or ')}, got ${a.schedule}`);
    cfg.schedule = a.schedule as Schedule;
  }
  if (a.margin !== undefined) cfg.margin = positiveNumber(a.margin, 'margin');
  if (a['caption-level'] !== undefined) {
    if (!(LEVELS as readonly string[]).includes(a['caption-level'])) throw new UsageError(`--caption-level must be one of ${LEVELS.join(', ')}, got ${a['caption-level']}`);
    cfg.captionLevel = a['caption-level'] as CaptionLevel;
  }
  if (a['row-init'] !== undefined) {
    if (!['random', 'mean', 'aligned'].includes(a['row-init'])) throw new UsageError(`--row-init must be random, mean or aligned, got ${a['row-init']}`);
    cfg.rowInit = a['row-init'] as ExperimentConfig['rowInit'];
  }
  const recordedSweep = a['lr-from'] === undefined ? null : readSweep(a['lr-from']);
  if (recordedSweep) cfg.lrByArm = { ...cfg.lrByArm, ...recordedSweep.best };
  if (a.lr !== undefined) {
    const { lr, byArm } = parseLr(a.lr);
    if (lr !== undefined) {
      cfg.lr = lr;
      cfg.lrByArm = {};
    }
    cfg.lrByArm = { ...cfg.lrByArm, ...byArm };
  }
  let sweep: Setup['sweep'] = null;
  if (a['lr-sweep'] !== undefined) {
    if (a.lr !== undefined || a['lr-from'] !== undefined) throw new UsageError('--lr-sweep chooses each arm\'s rate: drop --lr / --lr-from');
    const lrs = a['lr-sweep'].split(',').map((s) => positiveNumber(s.trim(), 'lr-sweep'));
    if (lrs.length < 2) throw new UsageError(`--lr-sweep needs two or more rates, got ${a['lr-sweep']}`);
    sweep = {
      lrs,
      steps: a['sweep-steps'] === undefined ? Math.max(1, Math.round(cfg.steps / 4)) : intArg(a['sweep-steps'], 'sweep-steps', 1, 1_000_000),
      seeds: a['sweep-seeds'] === undefined ? Math.min(2, cfg.seeds) : intArg(a['sweep-seeds'], 'sweep-seeds', 1, 20),
    };
  } else if (a['sweep-steps'] !== undefined || a['sweep-seeds'] !== undefined) throw new UsageError('--sweep-steps and --sweep-seeds go with --lr-sweep');
  return { cfg, tokens, sweep, recordedSweep };
}

/** The flags' one-line summary for --help and usage errors. */
export const SETUP_USAGE = `--preset ${PRESET_NAMES} [--seeds N] [--arms a,b] [--steps N | --tokens N] [--batch N] [--lr X | arm=X,…] [--lr-sweep X,Y,… [--sweep-steps N] [--sweep-seeds N]] [--lr-from sweep.json] [--schedule cosine|wsd] [--margin M] [--warmup N] [--eval-every N] [--eval-images N] [--caption-level L0…L4] [--row-init random|mean|aligned]`;
