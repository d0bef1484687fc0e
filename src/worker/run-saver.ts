/**
 * What an experiment writes to IndexedDB while it trains, in order, through one SaveQueue (a failed write is
 * reported and training goes on): metric batches (posted to the page at most every FLUSH_MS; a batch whose write
 * failed is written with the next one), checkpoints — those the runner asks for by step and those of runs whose last
 * one is CHECKPOINT_SECONDS old — always queued behind the metrics of their step, and never of weights that are not
 * finite. It remembers the last step saved per run, for the messages that name it.
 */
import type { VocabPlan } from '../core/experiment/extend';
import { saveRun } from '../core/experiment/resume';
import type { MetricRecord, Run } from '../core/experiment/runner';
import { appendMetrics, saveCheckpoint } from './persist';
import type { WorkerEvent } from './protocol';
import { SaveQueue } from './save-queue';

const FLUSH_MS = 250;
/** A reload loses at most this much training: a run whose last checkpoint is older is checkpointed after its step. */
export const CHECKPOINT_SECONDS = 45;

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
    for (const run of runs) this.lastCheckpoint.set(runKey(run), { step: run.step, at: now });
    for (const run of restored) this.savedStep.set(runKey(run), run.step);
  }

  /** The runner's checkpoint hook: saved after the round, behind its metrics. */
  markDue(run: Run): void {
    this.due.add(run);
  }

  /** After a round: the checkpoints due by step, and those of runs whose last one is CHECKPOINT_SECONDS old. */
  async afterRound(runs: Run[]): Promise<void> {
    const now = performance.now();
    const todo = runs.filter((run) => {
      const last = this.lastCheckpoint.get(runKey(run));
      return !run.stopped && (this.due.has(run) || !last || (last.step !== run.step && now - last.at >= CHECKPOINT_SECONDS * 1000));
    });
    this.due.clear();
    if (!todo.length) return;
    this.flush(true);
    for (const run of todo) await this.checkpoint(run);
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
    const c = { arm: run.arm.name, seed: run.seed, step: run.step, files: [...saveRun(run, this.plan!()), ['tokenizer.json', this.tokenizerFile()] as [string, Uint8Array]] };
    const runId = this.runId;
    await this.saves.write('checkpoint', `the checkpoint of ${c.arm} seed ${c.seed} at step ${c.step}`, async () => {
      await saveCheckpoint(runId, c);
      if (runId !== this.runId) return;
      this.savedStep.set(`${c.arm}/${c.seed}`, c.step);
      this.post({ type: 'checkpoint', id: null, arm: c.arm, seed: c.seed, step: c.step });
    });
  }

  clear(): void {
    this.pending = [];
    this.unsaved = [];
    this.lastCheckpoint.clear();
    this.savedStep.clear();
    this.due.clear();
  }
}
