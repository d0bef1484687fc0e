// A class run's state in the page (docs/class.md): the seat the link gave (`?seat=k`), and — once the worker has
// prepared the experiment — its setup identity (so its fingerprint) and effective config, which a result card needs.
import { create } from 'zustand';
import type { ExperimentConfig } from '../core/experiment/config';
import type { SetupIdentity } from '../core/experiment/fingerprint';

/** The seat of a `?seat=k` link: an integer 0 … 9999, else null (a bad value is ignored like any bad URL value). */
export function seatFromQuery(search: string): number | null {
  const v = new URLSearchParams(search).get('seat');
  return v !== null && /^\d{1,4}$/.test(v) ? Number(v) : null;
}

interface ClassState {
  seat: number | null;
  identity: SetupIdentity | null;
  config: ExperimentConfig | null;
  setSeat: (seat: number | null) => void;
  setIdentity: (identity: SetupIdentity, config: ExperimentConfig) => void;
}

export const useClassStore = create<ClassState>((set) => ({
  seat: null,
  identity: null,
  config: null,
  setSeat: (seat) => set({ seat }),
  setIdentity: (identity, config) => set({ identity, config }),
}));
