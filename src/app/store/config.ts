// Config slice: the experiment setup (preset or custom), the dataset and the pre-trained LM to fine-tune, the LM's
// shape once read, and the number fields whose typed value was refused (Play waits until they are fixed).
import type { StateCreator } from 'zustand';
import { PRESETS, type ArmName, type ExperimentConfig } from '../../core/experiment/config';
import { configFromQuery, configToQuery, URL_PARAMS } from './url-config';
import { presetChanges } from '../setup-check';
import type { DeviceDefault } from '../device-default';

import type { DatasetChoice, LmChoice, LmInfo } from '../../worker/protocol';

export type { DatasetChoice, LmChoice };

export interface ConfigSlice {
  config: ExperimentConfig;
  /** The preset a custom config was changed from (what a shared link's missing fields default to). */
  basePreset: string;
  dataset: DatasetChoice;
  lm: LmChoice;
  /** The chosen LM as the worker read it (null until read). */
  lmInfo: LmInfo | null;
  /** Number fields whose typed value was refused, with the message (the config kept its last good value). */
  fieldErrors: Record<string, string>;
  /** URL parameters that were ignored, with why. */
  ignoredParams: string[];
  /**
   * Whether the setup was chosen — by the link (any setup parameter, a class seat) or in the page (a preset, a
   * field). Until it is, the device's default may replace it, and the link leaves the setup out (a reload re-decides).
   */
  setupChosen: boolean;
  /** The device's default (device-default.ts) when it set the setup, with the setup line's sentence. */
  deviceDefault: DeviceDefault | null;
  /** Put the device's default in place, unless the setup was chosen; the setup stays unchosen. */
  applyDeviceDefault: (d: DeviceDefault) => void;
  setPreset: (preset: string) => void;
  /** Change one field; the preset becomes 'custom' when the setup differs from it, and itself again when it no longer does. */
  setField: <K extends keyof ExperimentConfig>(field: K, value: ExperimentConfig[K]) => void;
  toggleArm: (arm: ArmName) => void;
  setDataset: (d: DatasetChoice) => void;
  setLm: (lm: LmChoice, info?: LmInfo | null) => void;
  setLmInfo: (info: LmInfo | null) => void;
  setFieldError: (field: string, message: string | null) => void;
  /** `chosen`: whether the link named a setup (default true). */
  loadConfig: (config: ExperimentConfig, basePreset: string, ignored?: string[], chosen?: boolean) => void;
  setIgnored: (ignored: string[]) => void;
}

/** The lesson on a CPU: the shortest run at which the recorded run's verdicts already held (PRESETS.lesson). */
export const DEFAULT_PRESET = 'lesson';

export const DEFAULT_DATASET: DatasetChoice = { kind: 'emoji', style: 'twemoji' };

/**
 * `basePreset` when `cfg` equals that preset in every field (the arms as a set: unticking and ticking an arm again
 * changes nothing), else 'custom'. A typed learning rate replaces the preset's per-arm rates, so it stays custom.
 */
export function presetOf(cfg: ExperimentConfig, basePreset: string): string {
  const p = PRESETS[basePreset];
  if (!p) return 'custom';
  const norm = (c: ExperimentConfig): ExperimentConfig => ({ ...c, preset: '', arms: [...c.arms].sort() });
  return presetChanges(norm(cfg), norm(p)).length === 0 ? basePreset : 'custom';
}

/**
 * The setup as a query string: the preset, then only the fields that differ from it (`from` names a custom setup's
 * base), then the dataset (`data=noto`, `data=own:<name>`; Twemoji is the default) and a picked LM (`lm=own:<name>`).
 */
export function setupQuery(
  cfg: ExperimentConfig,
  basePreset: string,
  dataset: DatasetChoice = DEFAULT_DATASET,
  lm: LmChoice = { kind: 'shipped' },
): string {
  const base = PRESETS[basePreset] ?? PRESETS[DEFAULT_PRESET];
  const q = new URLSearchParams(configToQuery(cfg, base));
  if (cfg.preset === 'custom') q.set('from', basePreset);
  if (dataset.kind === 'emoji' && dataset.style !== 'twemoji') q.set('data', dataset.style);
  if (dataset.kind === 'byod') q.set('data', `own:${dataset.name}`);
  if (lm.kind === 'files') q.set('lm', `own:${lm.name}`);
  return q.toString();
}

/**
 * The setup a query string describes (missing fields from its preset, or from `from` for a custom one), with the
 * dataset and LM. Your own data or LM cannot travel in a link: they are named, and the page asks for them (they stay
 * Twemoji / the shipped LM meanwhile, said in `ignored`).
 */
export function setupFromQuery(query: string): {
  config: ExperimentConfig;
  basePreset: string;
  dataset: DatasetChoice;
  lm: LmChoice;
  ignored: string[];
  /** Whether the link names a setup at all (a preset, `from` or any setup field). */
  chosen: boolean;
} {
  const q = new URLSearchParams(query);
  const chosen = ['preset', 'from', ...URL_PARAMS.map((p) => p.key)].some((k) => q.has(k));
  const named = q.get('preset');
  const basePreset = [named, q.get('from')].find((p) => p && PRESETS[p]) ?? DEFAULT_PRESET;
  const r = configFromQuery(query, { ...PRESETS[basePreset] });
  const ignored = [...r.ignored];
  let dataset: DatasetChoice = DEFAULT_DATASET;
  const data = q.get('data');
  if (data === 'twemoji' || data === 'noto') dataset = { kind: 'emoji', style: data };
  else if (data?.startsWith('own:'))
    ignored.push(
      `data=${data} (your own dataset “${data.slice(4)}” is not in the link: drop it on the Data panel; Twemoji meanwhile)`,
    );
  else if (data !== null) ignored.push(`data=${data} (expected twemoji, noto or own:<name>)`);
  const lmParam = q.get('lm');
  if (lmParam?.startsWith('own:'))
    ignored.push(
      `lm=${lmParam} (your own LM “${lmParam.slice(4)}” is not in the link: pick its folder in the setup; the shipped LM meanwhile)`,
    );
  else if (lmParam !== null) ignored.push(`lm=${lmParam} (expected own:<name>, or no lm for the shipped one)`);
  return { config: r.config, basePreset, dataset, lm: { kind: 'shipped' }, ignored, chosen };
}

export const createConfigSlice: StateCreator<ConfigSlice, [], [], ConfigSlice> = (set) => ({
  config: { ...PRESETS[DEFAULT_PRESET] },
  basePreset: DEFAULT_PRESET,
  dataset: DEFAULT_DATASET,
  lm: { kind: 'shipped' },
  lmInfo: null,
  fieldErrors: {},
  ignoredParams: [],
  setupChosen: false,
  deviceDefault: null,
  applyDeviceDefault: (d) =>
    set((s) => {
      if (s.setupChosen) return s;
      const p = PRESETS[d.preset];
      return { config: { ...p, arms: [...p.arms] }, basePreset: d.preset, fieldErrors: {}, deviceDefault: d };
    }),
  setPreset: (preset) => {
    const p = PRESETS[preset];
    if (!p) throw new Error(`unknown preset ${preset} (use ${Object.keys(PRESETS).join(', ')})`);
    set({ config: { ...p, arms: [...p.arms] }, basePreset: preset, fieldErrors: {}, setupChosen: true });
  },
  setField: (field, value) =>
    set((s) => {
      if (JSON.stringify(s.config[field]) === JSON.stringify(value)) return s;
      // A typed learning rate applies to every arm: a preset's per-arm rates (from its sweep) give way to it.
      const lrByArm = field === 'lr' ? {} : s.config.lrByArm;
      const next = { ...s.config, [field]: value, lrByArm };
      return {
        config: { ...next, preset: field === 'preset' ? String(value) : presetOf(next, s.basePreset) },
        setupChosen: true,
      };
    }),
  toggleArm: (arm) =>
    set((s) => {
      const has = s.config.arms.includes(arm);
      const arms = has ? s.config.arms.filter((a) => a !== arm) : [...s.config.arms, arm];
      return {
        config: { ...s.config, arms, preset: presetOf({ ...s.config, arms }, s.basePreset) },
        setupChosen: true,
      };
    }),
  setDataset: (dataset) => set({ dataset }),
  setLm: (lm, info = null) => set({ lm, lmInfo: info }),
  setLmInfo: (lmInfo) => set({ lmInfo }),
  setFieldError: (field, message) =>
    set((s) => {
      if ((s.fieldErrors[field] ?? null) === message) return s;
      const fieldErrors = { ...s.fieldErrors };
      if (message === null) delete fieldErrors[field];
      else fieldErrors[field] = message;
      return { fieldErrors };
    }),
  loadConfig: (config, basePreset, ignored = [], chosen = true) =>
    set({ config: { ...config, arms: [...config.arms] }, basePreset, ignoredParams: ignored, setupChosen: chosen }),
  setIgnored: (ignoredParams) => set({ ignoredParams }),
});
