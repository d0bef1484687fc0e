/**
 * The setup's checks, before Play: each number field parsed on commit with a message naming the field, the value and
 * the allowed range (the setup keeps its last good value — never a silent change); the arms the verdict needs; the
 * LM's context; and the memory the setup needs on this backend (refused with its estimate before anything is
 * allocated). What presets would overwrite, field by field. Pure.
 */
import type { ExperimentConfig } from '../core/experiment/config';
import {
  estimateMemory,
  memoryRefusal,
  type DataShape,
  type LmShape,
  type MemoryLimit,
} from '../core/experiment/memory';
import { FORM_FIELDS, SETUP_FIELDS } from '../core/experiment/setup-fields';

export type NumField =
  | 'seeds'
  | 'steps'
  | 'batchSize'
  | 'lr'
  | 'captionBudget'
  | 'evalEvery'
  | 'checkpointEvery'
  | 'warmupSteps'
  | 'mixShare';

export interface FieldSpec {
  field: NumField;
  label: string;
  min: number;
  max: number;
  integer: boolean;
  help: string;
}

/** The form's number fields, from core's SETUP_FIELDS (the table the URL and the CLI flags also come from). */
export const FIELDS: FieldSpec[] = FORM_FIELDS.map((f) => {
  if (f.kind.type !== 'int' && f.kind.type !== 'number')
    throw new Error(`${f.field}: a form number field must be int or number`);
  return {
    field: f.field as NumField,
    label: f.label,
    min: f.kind.min,
    max: f.kind.max,
    integer: f.kind.type === 'int',
    help: f.help,
  };
});

const show = (x: number) => String(x);

/** A typed value, committed: the number, or why it is refused (the field keeps `current`). */
export function parseField(
  raw: string,
  f: FieldSpec,
  current: number,
): { ok: true; value: number } | { ok: false; message: string } {
  const text = raw.trim();
  const kept = `kept ${show(current)}`;
  if (text === '')
    return {
      ok: false,
      message: `${f.label} is empty: type ${f.integer ? 'an integer' : 'a number'} from ${show(f.min)} to ${show(f.max)} (${kept})`,
    };
  const v = Number(text);
  if (!Number.isFinite(v))
    return {
      ok: false,
      message: `${f.label}: “${text}” is not a number; type ${f.integer ? 'an integer' : 'a number'} from ${show(f.min)} to ${show(f.max)} (${kept})`,
    };
  if (f.integer && !Number.isInteger(v))
    return {
      ok: false,
      message: `${f.label}: ${text} is not a whole number; type an integer from ${show(f.min)} to ${show(f.max)} (${kept})`,
    };
  if (v < f.min)
    return { ok: false, message: `${f.label}: ${text} is below the smallest allowed, ${show(f.min)} (${kept})` };
  if (v > f.max)
    return { ok: false, message: `${f.label}: ${text} is above the largest allowed, ${show(f.max)} (${kept})` };
  return { ok: true, value: v };
}

/** Ids a training sequence takes besides the caption: <|bos|>, <|boi|>, 64 image tokens, <|eoi|>. */
export const NON_CAPTION_IDS = 64 + 3;

/** Problems that stop Play, each a sentence with its fix. `lm`, `limit` and `data` are used when known. */
export function setupProblems(
  cfg: ExperimentConfig,
  o: {
    lm?: LmShape | null;
    limit?: MemoryLimit | null;
    backend?: string;
    data?: DataShape | null;
    fieldErrors?: string[];
  } = {},
): string[] {
  const out = [...(o.fieldErrors ?? [])];
  const missing = (['pretrained', 'scratch'] as const).filter((a) => !cfg.arms.includes(a));
  if (missing.length)
    out.push(
      `The verdict compares the pretrained and scratch arms: tick ${missing.join(' and ')} (the other arms are extras).`,
    );
  if (o.lm && cfg.captionBudget + NON_CAPTION_IDS > o.lm.nPositions)
    out.push(
      `Caption budget ${cfg.captionBudget} + ${NON_CAPTION_IDS} other ids = ${cfg.captionBudget + NON_CAPTION_IDS} exceeds the LM's context of ${o.lm.nPositions}: lower the caption budget to ${o.lm.nPositions - NON_CAPTION_IDS} or less.`,
    );
  if (o.lm) {
    const data = o.data ?? { trainImages: 0, valImages: 0, imageSize: 32, imageTokens: 64, imageCodes: 512 };
    const refusal = memoryRefusal(estimateMemory(cfg, o.lm, data), o.limit ?? null, o.backend ?? 'this backend', cfg);
    if (refusal) out.push(`${refusal[0].toUpperCase()}${refusal.slice(1)}.`);
  }
  return out;
}

/** Names of the config fields, as the setup labels them (for "what a preset changes"). */
const LABELS: Partial<Record<keyof ExperimentConfig, string>> = {
  ...Object.fromEntries(SETUP_FIELDS.map((f) => [f.field, f.label.toLowerCase()])),
  englishTokens: 'English tokens',
  weightDecay: 'weight decay',
  trainImages: 'training images',
  samples: 'samples',
  qualitySamples: 'quality samples',
  classifierSteps: 'classifier steps',
  captionLmSteps: 'caption-LM steps',
};

/** What applying `preset` to `cfg` would change: "seeds 1 → 3", … (empty when nothing). */
export function presetChanges(cfg: ExperimentConfig, preset: ExperimentConfig): string[] {
  const fmt = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v));
  return (Object.keys(preset) as (keyof ExperimentConfig)[])
    .filter((k) => k !== 'preset' && JSON.stringify(cfg[k]) !== JSON.stringify(preset[k]))
    .map((k) => `${LABELS[k] ?? k} ${fmt(cfg[k])} → ${fmt(preset[k])}`);
}
