// Config slice: the experiment setup (preset or custom), the dataset and the pre-trained LM to fine-tune.
import type { StateCreator } from 'zustand';
import { PRESETS, type ArmName, type ExperimentConfig } from '../../core/experiment/config';

export type DatasetChoice = { kind: 'emoji'; style: 'twemoji' | 'noto' } | { kind: 'byod'; name: string };
export type LmChoice = { kind: 'shipped' } | { kind: 'files'; name: string };

export interface ConfigSlice {
  config: ExperimentConfig;
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
  loadConfig: (config: ExperimentConfig, ignored?: string[]) => void;
}

export const DEFAULT_PRESET = 'classroom';

/** The preset a config started from (custom configs start from the classroom one). */
export function presetBase(cfg: ExperimentConfig): ExperimentConfig {
  return PRESETS[cfg.preset] ?? PRESETS[DEFAULT_PRESET];
}

export const createConfigSlice: StateCreator<ConfigSlice, [], [], ConfigSlice> = (set) => ({
  config: { ...PRESETS[DEFAULT_PRESET] },
  dataset: { kind: 'emoji', style: 'twemoji' },
  lm: { kind: 'shipped' },
  ignoredParams: [],
  setPreset: (preset) => {
    const p = PRESETS[preset];
    if (!p) throw new Error(`unknown preset ${preset} (use ${Object.keys(PRESETS).join(', ')})`);
    set({ config: { ...p, arms: [...p.arms] } });
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
  loadConfig: (config, ignored = []) => set({ config: { ...config, arms: [...config.arms] }, ignoredParams: ignored }),
});
