// Config slice: the experiment setup (preset or custom), the dataset and the pre-trained LM to fine-tune.
import type { StateCreator } from 'zustand';
import { PRESETS, type ArmName, type ExperimentConfig } from '../../core/experiment/config';
import { configFromQuery, configToQuery } from './url-config';

import type { DatasetChoice, LmChoice } from '../../worker/protocol';

export type { DatasetChoice, LmChoice };

export interface ConfigSlice {
  config: ExperimentConfig;
  /** The preset a custom config was changed from (what a shared link's missing fields default to). */
  basePreset: string;
  dataset: DatasetChoice;
  lm: LmChoice;
  /** URL parameters that were ignored, with why. */
  ignoredParams: string[];
  setPreset: (preset: string) => void;
  /** Change one field; the preset becomes 'custom' when the value differs from it. */
  setField: <K extends keyof ExperimentConfig>(field: K, value: ExperimentConfig[K]) => void;
  toggleArm: (arm: ArmName) => void;
  setDataset: (d: DatasetChoice) => void;
  setLm: (lm: LmChoice) => void;
  loadConfig: (config: ExperimentConfig, basePreset: string, ignored?: string[]) => void;
}

export const DEFAULT_PRESET = 'classroom';

/** The setup as a query string: the preset, then only the fields that differ from it (`from` names a custom setup's base). */
export function setupQuery(cfg: ExperimentConfig, basePreset: string): string {
  const base = PRESETS[basePreset] ?? PRESETS[DEFAULT_PRESET];
  const q = configToQuery(cfg, base);
  return cfg.preset === 'custom' ? `${q}&from=${encodeURIComponent(basePreset)}` : q;
}

/** The setup a query string describes (missing fields from its preset, or from `from` for a custom one). */
export function setupFromQuery(query: string): { config: ExperimentConfig; basePreset: string; ignored: string[] } {
  const q = new URLSearchParams(query);
  const named = q.get('preset');
  const basePreset = [named, q.get('from')].find((p) => p && PRESETS[p]) ?? DEFAULT_PRESET;
  const r = configFromQuery(query, { ...PRESETS[basePreset] });
  return { config: r.config, basePreset, ignored: r.ignored };
}

export const createConfigSlice: StateCreator<ConfigSlice, [], [], ConfigSlice> = (set) => ({
  config: { ...PRESETS[DEFAULT_PRESET] },
  basePreset: DEFAULT_PRESET,
  dataset: { kind: 'emoji', style: 'twemoji' },
  lm: { kind: 'shipped' },
  ignoredParams: [],
  setPreset: (preset) => {
    const p = PRESETS[preset];
    if (!p) throw new Error(`unknown preset ${preset} (use ${Object.keys(PRESETS).join(', ')})`);
    set({ config: { ...p, arms: [...p.arms] }, basePreset: preset });
  },
  setField: (field, value) =>
    set((s) => {
      if (JSON.stringify(s.config[field]) === JSON.stringify(value)) return s;
      return { config: { ...s.config, [field]: value, preset: field === 'preset' ? String(value) : 'custom' } };
    }),
  toggleArm: (arm) =>
    set((s) => {
      const has = s.config.arms.includes(arm);
      if (has && s.config.arms.length === 1) return s; // at least one arm
      const arms = has ? s.config.arms.filter((a) => a !== arm) : [...s.config.arms, arm];
      return { config: { ...s.config, arms, preset: 'custom' } };
    }),
  setDataset: (dataset) => set({ dataset }),
  setLm: (lm) => set({ lm }),
  loadConfig: (config, basePreset, ignored = []) => set({ config: { ...config, arms: [...config.arms] }, basePreset, ignoredParams: ignored }),
});
