/**
 * When the lifecycle checkpoints its runs: every run the runner asks for by step (cfg.checkpointEvery, and the last
 * step asked for), and — where timed checkpoints are on (the page, so a reload loses little training) — at most one
 * more per round: the run whose last checkpoint is oldest, once it is older than timedCheckpointMs. A run whose
 * weights are not finite is never saved (its last good checkpoint stays). Remembers the last step saved per run and
 * the time spent saving (the page's ETA counts it).
 */
import type { Run } from './runner';

/** A reload loses about this much training at most: a run whose last checkpoint is older is checkpointed after its step. */
export const CHECKPOINT_SECONDS = 45;
/** Timed checkpoints take at most about this share of the wall time on a slow disk or a loaded machine… */
export const CHECKPOINT_SHARE = 0.1;
/** …unless that would leave a run unsaved for longer than this: what a reload may lose stays bounded. */
export const CHECKPOINT_MAX_SECONDS = 90;

/**
 * How old a run's last checkpoint may get before a timed one (ms): CHECKPOINT_SECONDS, or longer when saving is slow —
 * `runs` checkpoints of `saveMs` each per interval stay within CHECKPOINT_SHARE of it — but never over
 * CHECKPOINT_MAX_SECONDS.
 */
export function timedCheckpointMs(runs: number, saveMs: number): number {
  return Math.min(
    CHECKPOINT_MAX_SECONDS * 1000,
    Math.max(CHECKPOINT_SECONDS * 1000, (runs * saveMs) / CHECKPOINT_SHARE),
  );
}

/**
 * Which runs to checkpoint after a round: every run the runner asked for (`due`) or never checkpointed, and at most
 * one more — the run whose last checkpoint is oldest, once it is older than `intervalMs` and the run has moved since —
 * so a round never stalls for every run's save at once. Stopped runs never. Returns the chosen keys in the order given.
 */
export function checkpointsDue(
  runs: { key: string; step: number; stopped: boolean; due: boolean }[],
  last: ReadonlyMap<string, { step: number; at: number }>,
  now: number,
  intervalMs: number,
): string[] {
  const live = runs.filter((r) => !r.stopped);
  const chosen = new Set(live.filter((r) => r.due || !last.has(r.key)).map((r) => r.key));
  const stale = live
    .filter((r) => !chosen.has(r.key) && last.get(r.key)!.step !== r.step && now - last.get(r.key)!.at >= intervalMs)
    .sort((a, b) => last.get(a.key)!.at - last.get(b.key)!.at)[0];
  if (stale) chosen.add(stale.key);
  return live.filter((r) => chosen.has(r.key)).map((r) => r.key);
}

/** A run's key in messages and maps: "arm/seed". */
export const runKey = (run: Run) => `${run.arm.name}/${run.seed}`;

/** True when every weight of the run is finite (a NaN step must never overwrite the last good checkpoint). */
export function finiteWeights(run: Run): boolean {
  for (const v of run.model.params.values()) for (const x of v.dataSync()) if (!Number.isFinite(x)) return false;
  return true;
}

/** The checkpoint bookkeeping of one experiment: which runs are due, when each was last saved, how long saving takes. */
export class CheckpointSchedule {
  /** Per run: the step and time (performance.now()) of its last checkpoint attempt. */
  private last = new Map<string, { step: number; at: number }>();
  /** Per run: the last step whose checkpoint is in the store. */
  readonly savedStep = new Map<string, number>();
  /** Runs whose checkpoint step came in the round in progress. */
  private due = new Set<Run>();
  /** Checkpoints timed after rounds, and the mean wall time of those after the first (ms; 0 until then). */
  private saveCount = 0;
  private saveMs = 0;
  /** Milliseconds spent saving checkpoints after rounds since training started or resumed. */
  savingMs = 0;

  /** @param timed whether timed checkpoints are on (off: only the runner's, by step). */
  constructor(readonly timed: boolean) {}

  /** Training starts (or resumes) now: the time rule counts from here; `restored` runs are in the store at their step. */
  started(runs: Run[], restored: Run[] = []): void {
    const now = performance.now();
    this.savingMs = 0;
    for (const run of runs) this.last.set(runKey(run), { step: run.step, at: now });
    for (const run of restored) this.savedStep.set(runKey(run), run.step);
  }

  /** The runner's checkpoint hook: saved after the round, behind the round's metrics. */
  markDue(run: Run): void {
    this.due.add(run);
  }

  /** The runs to save after a round (in the runner's order); forgets which were due. */
  takeDue(runs: Run[]): Run[] {
    const keys = this.timed
      ? checkpointsDue(
          runs.map((run) => ({ key: runKey(run), step: run.step, stopped: !!run.stopped, due: this.due.has(run) })),
          this.last,
          performance.now(),
          timedCheckpointMs(runs.length, this.saveMs),
        )
      : runs.filter((r) => this.due.has(r) && !r.stopped).map(runKey);
    this.due.clear();
    return runs.filter((r) => keys.includes(runKey(r)));
  }

  /** A save is being attempted now (a run whose weights are not finite counts: it is not retried every round). */
  attempted(run: Run): void {
    this.last.set(runKey(run), { step: run.step, at: performance.now() });
  }

  /** One timed save took `ms`. The mean leaves out the first save of an experiment (cold: it also opens the store). */
  timedSave(ms: number): void {
    if (this.saveCount++ > 0) this.saveMs += (ms - this.saveMs) / (this.saveCount - 1);
  }

  clear(): void {
    this.saveMs = 0;
    this.saveCount = 0;
    this.savingMs = 0;
    this.last.clear();
    this.savedStep.clear();
    this.due.clear();
  }
}
