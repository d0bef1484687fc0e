// UI slice: the open panel, chart settings (smoothing, log axes, x axis, the recorded run behind), and the tour.
import type { StateCreator } from 'zustand';
import type { XAxis } from '../charts/series';

export const PANELS = ['data', 'tokenizer', 'experiment', 'samples', 'analysis', 'report'] as const;
export type Panel = (typeof PANELS)[number];

export interface UiSlice {
  ui: {
    panel: Panel;
    /** EMA weight in [0, 0.999]. */
    smoothing: number;
    logX: boolean;
    logY: boolean;
    xAxis: XAxis;
    showRecorded: boolean;
    /** Tour step, or null when the tour is closed. */
    tour: number | null;
    /** Read training numbers back every N steps (null: automatic, ~400 points per curve). */
    readEvery: number | null;
  };
  setPanel: (p: Panel) => void;
  setSmoothing: (w: number) => void;
  setChart: (patch: Partial<Pick<UiSlice['ui'], 'logX' | 'logY' | 'xAxis' | 'showRecorded'>>) => void;
  setTour: (step: number | null) => void;
  setReadEvery: (n: number | null) => void;
}

export const createUiSlice: StateCreator<UiSlice, [], [], UiSlice> = (set) => ({
  ui: {
    panel: 'experiment',
    smoothing: 0.6,
    logX: false,
    logY: false,
    xAxis: 'step',
    showRecorded: true,
    tour: null,
    readEvery: null,
  },
  setPanel: (panel) => set((s) => ({ ui: { ...s.ui, panel } })),
  setSmoothing: (w) =>
    set((s) => ({ ui: { ...s.ui, smoothing: Math.min(0.999, Math.max(0, Number.isFinite(w) ? w : 0)) } })),
  setChart: (patch) => set((s) => ({ ui: { ...s.ui, ...patch } })),
  setTour: (tour) => set((s) => ({ ui: { ...s.ui, tour } })),
  setReadEvery: (n) => set((s) => ({ ui: { ...s.ui, readEvery: n === null ? null : Math.max(1, Math.floor(n)) } })),
});
