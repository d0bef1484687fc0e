/**
 * The experiment setup in the URL, TF-Playground style: one table of properties drives both serialisation and
 * parsing, so a shared link reproduces the setup. Unknown or out-of-range values fall back to the preset's, and
 * each such fallback is reported so the page can say which part of a link was ignored.
 */
import type { ArmName, ExperimentConfig } from '../../core/experiment/config';

type Kind = { type: 'int'; min: number; max: number } | { type: 'number'; min: number; max: number } | { type: 'enum'; values: readonly string[] } | { type: 'list'; values: readonly string[] };

/** The URL-settable fields: short key, config field, kind. Order fixes the order in the URL. */
export const URL_PARAMS: { key: string; field: keyof ExperimentConfig; kind: Kind }[] = [
  { key: 'preset', field: 'preset', kind: { type: 'enum', values: ['smoke', 'cpu', 'classroom', 'replication', 'lesson', 'custom'] } },
  { key: 'arms', field: 'arms', kind: { type: 'list', values: ['pretrained', 'scratch', 'pretrained-frozen', 'scratch-frozen', 'image-only-pretrained', 'image-only-scratch', 'pretrained-mix', 'pretrained-shuffled'] } },
  { key: 'seeds', field: 'seeds', kind: { type: 'int', min: 1, max: 10 } },
  { key: 'level', field: 'captionLevel', kind: { type: 'enum', values: ['L0', 'L1', 'L2', 'L3', 'L4'] } },
  { key: 'budget', field: 'captionBudget', kind: { type: 'int', min: 4, max: 64 } },
  { key: 'steps', field: 'steps', kind: { type: 'int', min: 1, max: 100_000 } },
  { key: 'batch', field: 'batchSize', kind: { type: 'int', min: 1, max: 512 } },
  { key: 'lr', field: 'lr', kind: { type: 'number', min: 1e-6, max: 1 } },
  { key: 'warmup', field: 'warmupSteps', kind: { type: 'int', min: 0, max: 10_000 } },
  { key: 'eval', field: 'evalEvery', kind: { type: 'int', min: 1, max: 10_000 } },
  { key: 'ckpt', field: 'checkpointEvery', kind: { type: 'int', min: 0, max: 100_000 } },
  { key: 'init', field: 'rowInit', kind: { type: 'enum', values: ['random', 'mean', 'aligned'] } },
  { key: 'mix', field: 'mixShare', kind: { type: 'number', min: 0, max: 0.9 } },
];

/** Query string of the fields that differ from `base` (a shared link stays short). */
export function configToQuery(cfg: ExperimentConfig, base: ExperimentConfig): string {
  const q = new URLSearchParams();
  for (const p of URL_PARAMS) {
    const v = cfg[p.field];
    if (JSON.stringify(v) === JSON.stringify(base[p.field]) && p.key !== 'preset') continue;
    q.set(p.key, Array.isArray(v) ? v.join(',') : String(v));
  }
  return q.toString();
}

/** Apply a query string on top of `base`; returns the config and the keys that were ignored, with why. */
export function configFromQuery(query: string, base: ExperimentConfig): { config: ExperimentConfig; ignored: string[] } {
  const q = new URLSearchParams(query);
  const config: ExperimentConfig = { ...base, arms: [...base.arms] };
  const ignored: string[] = [];
  const set = (field: keyof ExperimentConfig, v: unknown) => ((config as unknown as Record<string, unknown>)[field] = v);
  for (const p of URL_PARAMS) {
    const raw = q.get(p.key);
    if (raw === null) continue;
    const k = p.kind;
    if (k.type === 'int' || k.type === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (k.type === 'int' && !Number.isInteger(n)) || n < k.min || n > k.max) ignored.push(`${p.key}=${raw} (expected ${k.type === 'int' ? 'an integer' : 'a number'} in [${k.min}, ${k.max}])`);
      else set(p.field, n);
    } else if (k.type === 'enum') {
      if (k.values.includes(raw)) set(p.field, raw);
      else ignored.push(`${p.key}=${raw} (expected one of ${k.values.join(', ')})`);
    } else {
      const items = raw.split(',').filter(Boolean);
      const bad = items.filter((i) => !k.values.includes(i));
      if (items.length === 0 || bad.length > 0) ignored.push(`${p.key}=${raw} (unknown: ${bad.join(', ') || 'empty list'})`);
      else set(p.field, [...new Set(items)] as ArmName[]);
    }
  }
  // A learning rate in the link is every arm's, as when typed (the base preset's per-arm rates give way to it).
  if (config.lr !== base.lr) config.lrByArm = {};
  return { config, ignored };
}
