// Runs slice: the experiment the page is showing — its status, what the user just asked for (shown until the worker
// acts), every metric record, samples, heatmaps, the finished report, storage notices — and the recorded run drawn
// behind the live curves, whose verdict and samples stay on screen beside this run's.
import type { StateCreator } from 'zustand';
import { recordsToResume } from '../../core/experiment/resume-records';
import type { RunMeta } from '../../browser/persist';
import type { Finished, MetricRecord, Picture, Report, RunStatus, SampleSet, WorkerEvent } from '../../worker/protocol';
import type { RecordedSamples } from '../recorded-samples';
import type { Intent } from '../status-line';

export type { RunMeta };

export interface RecordedRun {
  label: string;
  records: MetricRecord[];
  finished: Pick<Finished, 'report' | 'analysis' | 'quality' | 'imageLossByPosition'> | null;
  /** Its caption → image samples (from its sections.html), when it has them. */
  samples: RecordedSamples | null;
  /**
   * The same setup recorded with more training (public/runs/budget/report.json: the budget axis), shown beside it on
   * the first screen; null when it is absent or could not be read.
   */
  longer: Report | null;
  /**
   * The frozen-body runs (public/runs/frozen/report.json: a frozen pre-trained body against a frozen random one and
   * against its shuffled copy), said in one sentence beside it; null when absent or unreadable.
   */
  frozen: Report | null;
  /**
   * The image-only pair and the English mix (public/runs/other-arms/report.json), said in two sentences beside it;
   * null when absent or unreadable.
   */
  others: Report | null;
}

/** A tokenizer trained in the page: its curve and the latest reconstructions. */
export interface VqRun {
  running: boolean;
  steps: number;
  history: { step: number; psnr: number; usage: number; perplexity: number; loss: number }[];
  originals: Picture[];
  reconstructions: Picture[];
  error: string | null;
}

export interface RunsSlice {
  run: {
    meta: RunMeta | null;
    status: RunStatus | null;
    records: MetricRecord[];
    live: SampleSet | null;
    custom: SampleSet | null;
    heatmap: { step: number; byArm: Record<string, number[]> } | null;
    finished: Finished | null;
    /** Checkpointed step per run key ("arm/seed"). */
    checkpoints: Record<string, number>;
    /** Restored from IndexedDB after a reload (and not yet resumed). */
    restored: boolean;
    /** What the user asked for that the worker has not done yet (pausing…, resetting…). */
    intent: Intent | null;
    error: string | null;
    /** A problem that does not stop the run (a failed save), until dismissed or the next run. */
    notice: string | null;
  };
  recorded: RecordedRun | null;
  vq: VqRun | null;
  runStarted: (meta: RunMeta) => void;
  runStatus: (status: RunStatus) => void;
  runMetrics: (records: MetricRecord[]) => void;
  runSamples: (s: SampleSet) => void;
  runHeatmap: (step: number, byArm: Record<string, number[]>) => void;
  runCheckpoint: (arm: string, seed: number, step: number) => void;
  runFinished: (f: Finished) => void;
  runError: (message: string | null) => void;
  runNotice: (message: string | null) => void;
  setIntent: (intent: Intent | null) => void;
  runRestored: (
    meta: RunMeta,
    records: MetricRecord[],
    checkpoints: Record<string, number>,
    finished: Finished | null,
  ) => void;
  runCleared: () => void;
  /** After a reload: the heatmap and samples the run last showed (a finished run keeps its final heatmap). */
  runShownRestored: (heatmap: RunsSlice['run']['heatmap'], live: SampleSet | null) => void;
  setRecorded: (r: RecordedRun) => void;
  /** A restored run starts again from its checkpoints, keeping the records up to them. */
  runResumed: () => void;
  /** The records the worker kept when resuming (replace the page's). */
  runRecords: (records: MetricRecord[]) => void;
  vqStarted: (steps: number) => void;
  vqProgress: (e: Extract<WorkerEvent, { type: 'vq-progress' }>) => void;
  vqFailed: (message: string) => void;
}

const empty: RunsSlice['run'] = {
  meta: null,
  status: null,
  records: [],
  live: null,
  custom: null,
  heatmap: null,
  finished: null,
  checkpoints: {},
  restored: false,
  intent: null,
  error: null,
  notice: null,
};

export const createRunsSlice: StateCreator<RunsSlice, [], [], RunsSlice> = (set) => ({
  run: empty,
  recorded: null,
  vq: null,
  runStarted: (meta) => set({ run: { ...empty, meta } }),
  runStatus: (status) => set((s) => ({ run: { ...s.run, status } })),
  runMetrics: (records) =>
    set((s) => (records.length ? { run: { ...s.run, records: s.run.records.concat(records) } } : s)),
  runSamples: (x) => set((s) => ({ run: { ...s.run, [x.custom ? 'custom' : 'live']: x } })),
  runHeatmap: (step, byArm) => set((s) => ({ run: { ...s.run, heatmap: { step, byArm } } })),
  runCheckpoint: (arm, seed, step) =>
    set((s) => ({ run: { ...s.run, checkpoints: { ...s.run.checkpoints, [`${arm}/${seed}`]: step } } })),
  runFinished: (finished) =>
    set((s) => ({
      run: { ...s.run, finished, heatmap: { step: s.run.status?.step ?? 0, byArm: finished.imageLossByPosition } },
    })),
  runError: (error) => set((s) => ({ run: { ...s.run, error } })),
  runNotice: (notice) => set((s) => ({ run: { ...s.run, notice } })),
  setIntent: (intent) => set((s) => (s.run.intent === intent ? s : { run: { ...s.run, intent } })),
  runRestored: (meta, records, checkpoints, finished) =>
    set({
      run: {
        ...empty,
        meta,
        records,
        checkpoints,
        finished,
        restored: true,
        heatmap: finished ? { step: 0, byArm: finished.imageLossByPosition } : null,
      },
    }),
  runCleared: () => set({ run: empty }),
  runShownRestored: (heatmap, live) =>
    set((s) => ({ run: { ...s.run, heatmap: s.run.heatmap ?? heatmap, live: s.run.live ?? live } })),
  setRecorded: (recorded) => set({ recorded }),
  runResumed: () =>
    set((s) => ({
      run: {
        ...s.run,
        records: recordsToResume(s.run.records, s.run.checkpoints),
        restored: false,
        finished: null,
        error: null,
        notice: null,
        live: null,
        custom: null,
      },
    })),
  runRecords: (records) => set((s) => ({ run: { ...s.run, records } })),
  vqStarted: (steps) =>
    set({ vq: { running: true, steps, history: [], originals: [], reconstructions: [], error: null } }),
  vqProgress: (e) =>
    set((s) => ({
      vq: {
        running: !e.done,
        steps: e.steps,
        history: [
          ...(s.vq?.history ?? []),
          { step: e.step, psnr: e.psnr, usage: e.usage, perplexity: e.perplexity, loss: e.loss },
        ],
        originals: e.originals,
        reconstructions: e.reconstructions,
        error: null,
      },
    })),
  vqFailed: (error) =>
    set((s) => ({
      vq: { ...(s.vq ?? { steps: 0, history: [], originals: [], reconstructions: [] }), running: false, error },
    })),
});
