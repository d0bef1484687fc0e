/**
 * The run's status in one line for the controls: what the user just asked for (shown at once, before the worker
 * answers — it acts at the next step boundary), else the worker's phase with its message and counts. Each phase
 * has one word, and the worker's message never repeats it ("Paused · step 5 / 600", not "paused — paused"); a
 * failure's message is left to the alert under the controls, so it is shown once.
 */
import type { RunPhase, RunStatus } from '../worker/protocol';

/** What the user asked for and the page is waiting on. */
export type Intent = 'starting' | 'resuming' | 'pausing' | 'stepping' | 'resetting' | 'cancelling';

const INTENT: Record<Intent, string> = {
  starting: 'Starting…',
  resuming: 'Resuming from the checkpoints…',
  pausing: 'Pausing… (after the step in progress)',
  stepping: 'Stepping every run once…',
  resetting: 'Resetting… (after the step in progress)',
  cancelling: 'Cancelling the preparation…',
};

const PHASE: Record<RunPhase, string> = {
  idle: 'Ready',
  preparing: 'Preparing',
  running: 'Training',
  paused: 'Paused',
  finishing: 'Finishing',
  done: 'Done',
  failed: 'Stopped',
};

const n = (x: number) => x.toLocaleString('en-US');

export function statusLine(status: RunStatus | null, intent: Intent | null): string {
  const step = status && status.steps ? ` · step ${n(status.step)} / ${n(status.steps)}` : '';
  if (intent)
    return INTENT[intent] + (intent === 'pausing' || intent === 'stepping' || intent === 'resetting' ? step : '');
  if (!status) return PHASE.idle;
  const p = status.progress;
  const counts = p ? ` (${n(p.done)} / ${n(p.total)})` : '';
  const message = status.message ? `: ${status.message}${counts}` : counts;
  switch (status.phase) {
    case 'preparing':
    case 'finishing':
      return `${PHASE[status.phase]}${message}`;
    case 'failed':
      return PHASE.failed; // the message is shown once, as the alert below the controls
    case 'running':
    case 'paused':
      return `${PHASE[status.phase]}${step}${status.message ? ` — ${status.message}` : ''}`;
    case 'done':
      return `${PHASE.done}${step}${status.message ? ` — ${status.message}` : ''}`;
    case 'idle':
      return status.message ? `${PHASE.idle} — ${status.message}` : PHASE.idle;
  }
}
