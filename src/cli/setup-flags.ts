/**
 * The experiment-setup flags shared by the command lines that run or export an experiment (`npm run replicate`):
 * a preset and what overrides it. Each bad value is refused with the flag named and what it accepts.
 *   --preset P  --seeds N  --first-seed K  --arms a,b,…  --steps N | --tokens N  --batch N  --lr X | --lr arm=X,arm=Y
 *   --lr-sweep X,Y,… [--sweep-steps N] [--sweep-seeds N] | --lr-sweep fair [--sweep-seeds N]  --lr-from sweep.json  --schedule cosine|wsd
 *   --margin M (nats per token, the equivalence margin of the verdicts)  --warmup N  --eval-every N  --eval-images N (0: all)  --caption-level L0…L4  --row-init random|mean|aligned
 */
import { readFileSync } from 'node:fs';
import { ARMS, PRESETS, armsProblem, type ArmName, type ExperimentConfig } from '../core/experiment/config';
import { CLI_FIELDS } from '../core/experiment/setup-fields';
import type { SweepResult } from '../core/experiment/sweep';
import { UsageError, intArg, type FlagTable } from './common';

const PRESET_NAMES = Object.keys(PRESETS).join('|');
/** A setup field's default for --help: its value in every preset, or the one value they share. */
function byPreset(get: (c: ExperimentConfig) => unknown): string {
  const values = Object.entries(PRESETS).map(([name, c]) => [name, String(get(c))]);
  return new Set(values.map(([, v]) => v)).size === 1
    ? `${values[0][1]} in every preset`
    : values.map(([name, v]) => `${name} ${v}`).join(', ');
}
const rates = (c: ExperimentConfig) =>
  [String(c.lr), ...Object.entries(c.lrByArm ?? {}).map(([arm, lr]) => `${arm}=${lr}`)].join(' ');
const orList = (values: readonly string[]) =>
  values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;

/** The CLI range of a numeric setup field: the table's, widened where its `cli` says. */
function cliRange(f: (typeof CLI_FIELDS)[number]): [number, number] {
  if (f.kind.type !== 'int' && f.kind.type !== 'number') throw new Error(`${f.field} is not numeric`);
  return [f.cli.min ?? f.kind.min, f.cli.max ?? f.kind.max];
}

/** A setup flag as core's SETUP_FIELDS describes it: its placeholder, its line in --help, its value per preset. */
function tableFlag(flag: string) {
  const f = CLI_FIELDS.find((x) => x.cli.flag === flag);
  if (!f) throw new Error(`--${flag} is not in SETUP_FIELDS`);
  const k = f.kind;
  const value = f.cli.value ?? (k.type === 'enum' ? k.values.join('|') : k.type === 'list' ? 'a,b,…' : 'N');
  const range =
    k.type === 'int' ? `, ${cliRange(f).join(' to ')}` : k.type === 'list' ? `: ${k.values.join(', ')}` : '';
  return {
    type: 'string',
    value,
    description: `${f.help}${range}`,
    defaultText: byPreset((c) =>
      f.field === 'lr' ? rates(c) : Array.isArray(c[f.field]) ? (c[f.field] as string[]).join(',') : c[f.field],
    ),
  } as const;
}

/**
 * The setup flags with what --help says of each (common.ts's FlagTable): the config fields come from core's
 * SETUP_FIELDS (which the page's form and URL also use); --tokens and the sweep's flags are the command line's own.
 * Every one overrides the preset's value.
 */
export const SETUP_OPTIONS = {
  preset: { ...tableFlag('preset'), value: PRESET_NAMES, required: true },
  seeds: tableFlag('seeds'),
  'first-seed': tableFlag('first-seed'),
  arms: tableFlag('arms'),
  steps: tableFlag('steps'),
  tokens: {
    type: 'string',
    value: 'N',
    description: 'training budget in trained tokens per run, turned into steps once the data is known (or --steps)',
    defaultText: 'none',
  },
  batch: tableFlag('batch'),
  lr: { ...tableFlag('lr'), description: `${tableFlag('lr').description}: one rate for every arm, or arm=rate pairs` },
  'lr-sweep': {
    type: 'string',
    value: 'X,Y,…|fair',
    description:
      "train every arm at each rate for a short budget first, then each at its best; 'fair': rates √2 apart around --lr at the full --steps, grown at an edge (both scored on a selection split apart from the evaluation images; DIR/sweep.json)",
    defaultText: 'no sweep',
  },
  'sweep-steps': {
    type: 'string',
    value: 'N',
    description: 'steps of each sweep run (with --lr-sweep X,Y,…; fair runs the full --steps)',
    defaultText: 'a quarter of --steps',
  },
  'sweep-seeds': {
    type: 'string',
    value: 'N',
    description: 'seeds of each sweep run (with --lr-sweep; fair needs 2 or more)',
    defaultText: '2, at most --seeds (fair: 2)',
  },
  'lr-from': {
    type: 'string',
    value: 'sweep.json',
    description: "take each arm's rate from a recorded sweep (an --lr given too wins)",
    defaultText: 'none',
  },
  schedule: tableFlag('schedule'),
  margin: tableFlag('margin'),
  warmup: tableFlag('warmup'),
  'eval-every': tableFlag('eval-every'),
  'eval-images': tableFlag('eval-images'),
  'caption-level': tableFlag('caption-level'),
  'row-init': tableFlag('row-init'),
} as const satisfies FlagTable;
for (const f of CLI_FIELDS)
  if (!(f.cli.flag in SETUP_OPTIONS)) throw new Error(`SETUP_FIELDS' --${f.cli.flag} is missing from SETUP_OPTIONS`);

type Values = Partial<Record<keyof typeof SETUP_OPTIONS, string>>;

export interface Setup {
  cfg: ExperimentConfig;
  /** --tokens: the training budget in trained tokens per run, turned into steps once the data is known. */
  tokens: number | null;
  /** --lr-sweep: the rates to sweep and its budget (fair: the protocol of sweep.ts, `fair` set), or null. */
  sweep: { lrs: number[]; steps: number; seeds: number; fair?: Record<string, never> } | null;
  /** --lr-from: the recorded sweep the rates came from (shown in the report), or null. */
  recordedSweep: SweepResult | null;
}

function positiveNumber(v: string, flag: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a positive number, got ${v}`);
  return n;
}

function armName(v: string, flag: string): ArmName {
  if (!(ARMS as readonly string[]).includes(v))
    throw new UsageError(`--${flag}: unknown arm "${v}"; arms are ${ARMS.join(', ')}`);
  return v as ArmName;
}

/** Per-arm rates from --lr: one number for every arm, or arm=rate pairs separated by commas. */
export function parseLr(v: string): { lr?: number; byArm: Partial<Record<ArmName, number>> } {
  if (!v.includes('=')) return { lr: positiveNumber(v, 'lr'), byArm: {} };
  const byArm: Partial<Record<ArmName, number>> = {};
  for (const part of v.split(',')) {
    const [arm, rate] = part.split('=');
    if (rate === undefined)
      throw new UsageError(`--lr: "${part}" is not arm=rate (e.g. --lr pretrained=0.003,scratch=0.001)`);
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
  if (!best || typeof best !== 'object')
    throw new UsageError(
      `--lr-from ${file}: no "best" rates in it; pass the sweep.json that replicate --lr-sweep wrote`,
    );
  for (const [arm, rate] of Object.entries(best)) {
    armName(arm, 'lr-from');
    positiveNumber(String(rate), 'lr-from');
  }
  return parsed as SweepResult;
}

/** The config a preset and its overriding flags describe (flags win; --lr after --lr-from). */
export function parseSetup(a: Values): Setup {
  const presets = Object.keys(PRESETS).join(', ');
  if (!a.preset || !PRESETS[a.preset])
    throw new UsageError(`--preset must be one of ${presets}${a.preset ? `, got ${a.preset}` : ''}`);
  const cfg: ExperimentConfig = { ...PRESETS[a.preset], lrByArm: { ...PRESETS[a.preset].lrByArm } };
  if (a.steps !== undefined && a.tokens !== undefined) throw new UsageError('give --steps or --tokens, not both');
  // The table's integer and enum fields; the preset, arms, rates and margin have their own rules here.
  for (const f of CLI_FIELDS) {
    const v = a[f.cli.flag as keyof Values];
    if (v === undefined || ['preset', 'arms', 'lr', 'margin'].includes(f.field)) continue;
    if (f.kind.type === 'int')
      (cfg as unknown as Record<string, unknown>)[f.field] = intArg(v, f.cli.flag, ...cliRange(f));
    else if (f.kind.type === 'enum') {
      if (!f.kind.values.includes(v))
        throw new UsageError(`--${f.cli.flag} must be ${orList(f.kind.values)}, got ${v}`);
      (cfg as unknown as Record<string, unknown>)[f.field] = v;
    } else throw new Error(`--${f.cli.flag}: no rule for a ${f.kind.type} field`);
  }
  if (a.arms !== undefined) {
    cfg.arms = [...new Set(a.arms.split(',').map((s) => armName(s.trim(), 'arms')))];
    const problem = armsProblem(cfg.arms);
    if (problem) throw new UsageError(`--arms: ${problem}`);
  }
  const tokens = a.tokens === undefined ? null : intArg(a.tokens, 'tokens', 1, 1e12);
  if (a.margin !== undefined) cfg.margin = positiveNumber(a.margin, 'margin');
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
    if (a['lr-sweep'].trim() === 'fair') {
      if (a['lr-from'] !== undefined || (a.lr !== undefined && a.lr.includes('=')))
        throw new UsageError(
          "--lr-sweep fair chooses each arm's rate around one --lr: drop --lr-from and arm=rate pairs",
        );
      if (a['sweep-steps'] !== undefined)
        throw new UsageError("--lr-sweep fair runs the main run's full --steps: drop --sweep-steps");
      // The centre of the grid is cfg.lr (the preset's, or --lr), read when the sweep runs (after --tokens sets the steps).
      return {
        cfg: { ...cfg, lrByArm: {} },
        tokens,
        sweep: {
          lrs: [],
          steps: cfg.steps,
          seeds: a['sweep-seeds'] === undefined ? 2 : intArg(a['sweep-seeds'], 'sweep-seeds', 2, 20),
          fair: {},
        },
        recordedSweep,
      };
    }
    if (a.lr !== undefined || a['lr-from'] !== undefined)
      throw new UsageError("--lr-sweep chooses each arm's rate: drop --lr / --lr-from");
    const lrs = a['lr-sweep'].split(',').map((s) => positiveNumber(s.trim(), 'lr-sweep'));
    if (lrs.length < 2) throw new UsageError(`--lr-sweep needs two or more rates, got ${a['lr-sweep']}`);
    sweep = {
      lrs,
      steps:
        a['sweep-steps'] === undefined
          ? Math.max(1, Math.round(cfg.steps / 4))
          : intArg(a['sweep-steps'], 'sweep-steps', 1, 1_000_000),
      seeds: a['sweep-seeds'] === undefined ? Math.min(2, cfg.seeds) : intArg(a['sweep-seeds'], 'sweep-seeds', 1, 20),
    };
  } else if (a['sweep-steps'] !== undefined || a['sweep-seeds'] !== undefined)
    throw new UsageError('--sweep-steps and --sweep-seeds go with --lr-sweep');
  return { cfg, tokens, sweep, recordedSweep };
}

/** The flags' one-line summary for --help and usage errors. */
export const SETUP_USAGE = `--preset ${PRESET_NAMES} [--seeds N] [--first-seed K] [--arms a,b] [--steps N | --tokens N] [--batch N] [--lr X | arm=X,…] [--lr-sweep X,Y,… [--sweep-steps N] [--sweep-seeds N] | --lr-sweep fair [--sweep-seeds N]] [--lr-from sweep.json] [--schedule cosine|wsd] [--margin M] [--warmup N] [--eval-every N] [--eval-images N] [--caption-level L0…L4] [--row-init random|mean|aligned]`;
