/**
 * The worker's unprompted events into the page's stores (events answering a command come back through its promise):
 * status (with the measured speed kept for this backend), the setup fingerprint, metrics, records, heatmaps,
 * checkpoints, samples, the finished report, the VQ tokenizer's progress and errors. The heatmap and samples shown
 * are saved for a reload (shown-state.ts). What needs the controller — the wake lock, the fallback after a lost
 * device — goes back to it through `hooks`.
 */
import type { WorkerEvent } from '../worker/protocol';
import { setSpeed } from '../browser/persist';
import { saveShown } from './shown-state';
import { useAppStore } from './store';
import { useClassStore } from './class-store';

const store = () => useAppStore.getState();

/** What an event asks of the controller. */
export interface EventHooks {
  /** Hold the screen awake while `want` (a run prepares or trains), else let it go. */
  holdWakeLock(want: boolean): void;
  /** The WebGPU device was lost (`message` says how): restart on wasm and resume. */
  fallback(message: string): void;
}

/** Save the heatmap and samples now shown, for a reload (shown-state.ts); a failed save is a notice, training goes on. */
function keepShown(): void {
  const { meta, heatmap, live } = store().run;
  if (!meta) return;
  void saveShown(meta.id, { heatmap, live }).catch((err: Error) =>
    store().runNotice(
      `Could not save the latest samples and heatmap for a reload (${err.message || err.name}); training goes on.`,
    ),
  );
}

/** Put one worker event into the stores (an error answering a command, `id` not null, is left to its promise). */
export function applyWorkerEvent(e: WorkerEvent, hooks: EventHooks): void {
  const s = store();
  switch (e.type) {
    case 'status':
      s.runStatus(e.status);
      hooks.holdWakeLock(e.status.phase === 'running' || e.status.phase === 'preparing');
      if (e.status.phase === 'running' && e.status.tokensPerSecond && s.device.choice) {
        const backend = s.device.choice.backend;
        void setSpeed(backend, e.status.tokensPerSecond).catch(() => undefined);
        s.setSpeed({ tokensPerSecond: e.status.tokensPerSecond, source: `measured here on ${backend}` });
      }
      return;
    case 'identity':
      useClassStore.getState().setIdentity(e.identity, e.config);
      return;
    case 'metrics':
      s.runMetrics(e.records);
      return;
    case 'records':
      s.runRecords(e.records);
      return;
    case 'heatmap':
      s.runHeatmap(e.step, e.byArm);
      keepShown();
      return;
    case 'checkpoint':
      s.runCheckpoint(e.arm, e.seed, e.step);
      return;
    case 'samples':
      s.runSamples(e.samples);
      if (!e.samples.custom) keepShown();
      return;
    case 'finished':
      s.runFinished(e.finished);
      return;
    case 'vq-progress':
      s.vqProgress(e);
      return;
    case 'device-lost':
      hooks.fallback(e.message);
      return;
    case 'error':
      if (e.id !== null) return; // answered through its command's promise
      if (e.scope === 'tokenizer') s.vqFailed(e.message);
      else if (e.scope === 'storage') s.runNotice(e.message);
      else s.runError(e.message);
      return;
  }
}
