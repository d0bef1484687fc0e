/**
 * The Play button's one decision, from the run the page shows: continue a paused run, resume a stopped run (or one
 * restored after a reload) from its checkpoints, else start a new run with the setup — and the button's label. The
 * controller's `pressPlay` acts on it; Controls shows it.
 */
import type { RunPhase } from '../worker/protocol';
import type { RunsSlice } from './store/runs';

/** The worker's phase, or 'restored' for a run read back from IndexedDB that no worker runs yet. */
export type ShownPhase = RunPhase | 'restored';

/** What Play does: `start` a new run, `continue` a paused one, or `resume` a stopped or restored one from its checkpoints. */
export type PlayChoice = 'start' | 'continue' | 'resume';

export interface PlayButton {
  phase: ShownPhase;
  choice: PlayChoice;
  /** The button's text: Play, Resume, Resume from checkpoints, or New run. */
  label: string;
}

export function shownPhase(run: RunsSlice['run']): ShownPhase {
  return run.status?.phase ?? (run.restored ? 'restored' : 'idle');
}

export function playButton(run: RunsSlice['run']): PlayButton {
  const phase = shownPhase(run);
  // Restored and unfinished, or stopped (a NaN loss, a failed step) with checkpoints kept.
  const resumable = (run.restored && !run.finished) || (phase === 'failed' && Object.keys(run.checkpoints).length > 0);
  const choice: PlayChoice = resumable ? 'resume' : phase === 'paused' ? 'continue' : 'start';
  const label =
    phase === 'paused'
      ? 'Resume'
      : resumable
        ? 'Resume from checkpoints'
        : phase === 'done' || (run.restored && run.finished)
          ? 'New run'
          : 'Play';
  return { phase, choice, label };
}
