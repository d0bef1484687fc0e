/**
 * The experiment setup in the URL, TF-Playground style: one table of properties (core/experiment/setup-fields.ts,
 * shared with the form and the CLI) drives both serialisation and parsing, so a shared link reproduces the setup.
 * Unknown or out-of-range values fall back to the preset's, and each such fallback is reported so the page can say
 * which part of a link was ignored.
 */
import type { ArmName, ExperimentConfig } from '../../core/experiment/config';
import { URL_FIELDS, type FieldKind } from '../../core/experiment/setup-fields';

/** The URL-settable fields: short key, config field, kind — from core's SETUP_FIELDS, whose order is the URL's. */
export const URL_PARAMS: { key: string; field: keyof ExperimentConfig; kind: FieldKind }[] = URL_FIELDS.map((f) => ({
  key: f.url,
  field: f.field,
  kind: f.kind,
}));

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
export function configFromQuery(
  query: string,
  base: ExperimentConfig,
): { config: ExperimentConfig; ignored: string[] } {
  const q = new URLSearchParams(query);
  const config: ExperimentConfig = { ...base, arms: [...base.arms] };
  const ignored: string[] = [];
  const set = (field: keyof ExperimentConfig, v: unknown) =>
    ((config as unknown as Record<string, unknown>)[field] = v);
  for (const p of URL_PARAMS) {
    const raw = q.get(p.key);
    if (raw === null) continue;
    const k = p.kind;
    if (k.type === 'int' || k.type === 'number') {
      const n = Number(raw);
      if (
        raw.trim() === '' ||
        !Number.isFinite(n) ||
        (k.type === 'int' && !Number.isInteger(n)) ||
        n < k.min ||
        n > k.max
      )
        ignored.push(
          `${p.key}=${raw} (expected ${k.type === 'int' ? 'an integer' : 'a number'} in [${k.min}, ${k.max}])`,
        );
      else set(p.field, n);
    } else if (k.type === 'enum') {
      if (k.values.includes(raw)) set(p.field, raw);
      else ignored.push(`${p.key}=${raw} (expected one of ${k.values.join(', ')})`);
    } else {
      const items = raw.split(',').filter(Boolean);
      const bad = items.filter((i) => !k.values.includes(i));
      if (items.length === 0 || bad.length > 0)
        ignored.push(`${p.key}=${raw} (unknown: ${bad.join(', ') || 'empty list'})`);
      else set(p.field, [...new Set(items)] as ArmName[]);
    }
  }
  // A learning rate in the link is every arm's, as when typed (the base preset's per-arm rates give way to it).
  if (config.lr !== base.lr) config.lrByArm = {};
  return { config, ignored };
}
