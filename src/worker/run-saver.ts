/**
 * What an experiment writes to IndexedDB while it trains, in order, through one SaveQueue (a failed write is
 * reported and training goes on): metric batches (posted to the page at most every FLUSH_MS; a batch whose write
 * failed is written with the next one), checkpoints — those the runner asks for by step and,
 * one per round, the run whose last one is oldest once it is older than timedCheckpointMs — always queued behind the
 * metrics of their step, and never of weights that are not finite. It remembers the last step saved per run, for the
 * messages that name it, and the time spent saving, which the page's ETA counts.
 */
import type { VocabPlan } from '../core/experiment/extend';
import { saveRun } from '../core/experiment/resume';
import type { MetricRecord, Run } from '../core/experiment/runner';
import { appendMetrics, saveCheckpoint } from './persist';
import type { WorkerEvent } from './protocol';
import { SaveQueue } from './save-queue';

const FLUSH_MS = 250;
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
  return Math.min(CHECKPOINT_MAX_SECONDS * 1000, Math.max(CHECKPOINT_SECONDS * 1000, (runs * saveMs) / CHECKPOINT_SHARE));
}

/**
 * Which runs to checkpoint after a round: every run the runner asked for (`due`) or never checkpointed, and at most
 * one more — the run whose last checkpoint is oldest, once it is older than `intervalMs` and the run has moved since —
 * so a round never stalls for every run's save at once. Stopped runs never. Returns the chosen keys in the order given.
 */
export function checkpointsDue(runs: { key: string; step: number; stopped: boolean; due: boolean }[], last: ReadonlyMap<string, { step: number; at: number }>, now: number, intervalMs: number): string[] {
  const live = runs.filter((r) => !r.stopped);
  const chosen = new Set(live.filter((r) => r.due || !last.has(r.key)).map((r) => r.key));
  const stale = live
    .filter((r) => !chosen.has(r.key) && last.get(r.key)!.step !== r.step && now - last.get(r.key)!.at >= intervalMs)
    .sort((a, b) => last.get(a.key)!.at - last.get(b.key)!.at)[0];
  if (stale) chosen.add(stale.key);
  return live.filter((r) => chosen.has(r.key)).map((r) => r.key);
}

export const runKey = (run: Run) => `${run.arm.name}/${run.seed}`;

/** True when every weight of the run is finite (a NaN step must never overwrite the last good checkpoint). */
function finiteWeights(run: Run): boolean {
  for (const v of run.model.params.values()) for (const x of v.dataSync()) if (!Number.isFinite(x)) return false;
  return true;
}

export class RunSaver {
  private pending: MetricRecord[] = [];
  /** Metric batches whose write failed: written with the next batch. */
  private unsaved: MetricRecord[] = [];
  private lastFlush = 0;
  /** Per run: the step and time of its last checkpoint attempt. */
  private lastCheckpoint = new Map<string, { step: number; at: number }>();
  /** Per run: the last step whose checkpoint is on disk. */
  readonly savedStep = new Map<string, number>();
  /** Runs whose checkpoint step came in the round in progress. */
  private due = new Set<Run>();
  private readonly saves: SaveQueue;
  private runId = '';
  private plan: (() => VocabPlan) | null = null;
  private tokenizerFile: () => Uint8Array = () => new Uint8Array();
  /** Checkpoints saved after rounds since begin(), and the mean wall time of those after the first (ms; 0 until then). */
  private saveCount = 0;
  private saveMs = 0;
  /** Milliseconds spent saving checkpoints after rounds since the last begin(). */
  savingMs = 0;

  constructor(private readonly post: (e: WorkerEvent) => void) {
    this.saves = new SaveQueue((message) => this.post({ type: 'error', id: null, scope: 'storage', message }));
  }

  /** A new experiment: where its writes go, its vocabulary plan and its tokenizer.json (saved with each checkpoint). */
  begin(runId: string, plan: () => VocabPlan, tokenizerFile: () => Uint8Array): void {
    this.clear();
    this.runId = runId;
    this.plan = plan;
    this.tokenizerFile = tokenizerFile;
  }

  /** Any other write, queued behind the rest. */
  write(kind: string, what: string, write: () => Promise<void>): Promise<boolean> {
    return this.saves.write(kind, what, write);
  }

  /** Resolves when every queued write has finished. */
  idle(): Promise<void> {
    return this.saves.idle();
  }

  /** Records to post and save with the next flush. */
  push(records: MetricRecord[]): void {
    this.pending.push(...records);
  }

  /** Post the pending records to the page and queue their write (at most every FLUSH_MS unless forced). */
  flush(force = false): void {
    if (!this.pending.length || (!force && performance.now() - this.lastFlush < FLUSH_MS)) return;
    const batch = this.pending;
    this.pending = [];
    this.lastFlush = performance.now();
    this.post({ type: 'metrics', id: null, records: batch });
    const runId = this.runId;
    void this.saves.write('metrics', 'the latest metrics', async () => {
      const all = this.unsaved.concat(batch);
      this.unsaved = [];
      try {
        await appendMetrics(runId, all);
      } catch (e) {
        if (runId === this.runId) this.unsaved = all.concat(this.unsaved);
        throw e;
      }
    });
  }

  /** Training starts (or resumes) now: the time rule counts from here; `restored` runs are on disk at their step. */
  started(runs: Run[], restored: Run[] = []): void {
    const now = performance.now();
    this.savingMs = 0;
    for (const run of runs) this.lastCheckpoint.set(runKey(run), { step: run.step, at: now });
    for (const run of restored) this.savedStep.set(runKey(run), run.step);
  }

  /** The runner's checkpoint hook: saved after the round, behind its metrics. */
  markDue(run: Run): void {
    this.due.add(run);
  }

  /**
   * After a round: the checkpoints due by step, and the stalest run's when it is older than timedCheckpointMs;
   * `say` is told what is being saved (for the page's status line), then null when done.
   */
  async afterRound(runs: Run[], say: (what: string | null) => void = () => {}): Promise<void> {
    const keys = checkpointsDue(
      runs.map((run) => ({ key: runKey(run), step: run.step, stopped: !!run.stopped, due: this.due.has(run) })),
      this.lastCheckpoint,
      performance.now(),
      timedCheckpointMs(runs.length, this.saveMs),
    );
    this.due.clear();
    if (!keys.length) return;
    this.flush(true);
    const t = performance.now();
    for (const run of runs.filter((r) => keys.includes(runKey(r)))) {
      say(`saving the checkpoint of ${run.arm.name} seed ${run.seed} at step ${run.step}`);
      const t1 = performance.now();
      await this.checkpoint(run);
      // The mean leaves out the first save of an experiment (cold: it also opens the store), which ran 6 s where the
      // next ones ran well under one on a loaded machine.
      if (this.saveCount++ > 0) this.saveMs += (performance.now() - t1 - this.saveMs) / (this.saveCount - 1);
    }
    this.savingMs += performance.now() - t;
    say(null);
  }

  /**
   * Save a run's resumable state (and the LM's tokenizer.json); the caller waits for the write, so a checkpoint the
   * page is told about is on disk before the next step. Weights that are not finite are never saved: the run is
   * marked stopped instead, and its last good checkpoint stays.
   */
  async checkpoint(run: Run): Promise<void> {
    this.lastCheckpoint.set(runKey(run), { step: run.step, at: performance.now() });
    if (!finiteWeights(run)) {
      run.stopped ??= `arm ${run.arm.name}, seed ${run.seed}: its weights are no longer finite at step ${run.step}`;
      return;
    }
    const c = { arm: run.arm.name, seed: run.seed, step: run.step, files: [...saveRun(run, this.plan!(), new TextDecoder().decode(this.tokenizerFile()))] };
    const runId = this.runId;
    await this.saves.write('checkpoint', `the checkpoint of ${c.arm} seed ${c.seed} at step ${c.step}`, async () => {
      await saveCheckpoint(runId, c);
      if (runId !== this.runId) return;
      this.savedStep.set(`${c.arm}/${c.seed}`, c.step);
      this.post({ type: 'checkpoint', id: null, arm: c.arm, seed: c.seed, step: c.step });
    });
  }

  clear(): void {
    this.saveMs = 0;
    this.saveCount = 0;
    this.savingMs = 0;
    this.pending = [];
    this.unsaved = [];
    this.lastCheckpoint.clear();
    this.savedStep.clear();
    this.due.clear();
  }
}
