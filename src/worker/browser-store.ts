/**
 * The page's ExperimentStore (core/experiment/store.ts): one experiment's IndexedDB records (persist.ts), written in
 * order through one SaveQueue, so a failed write is reported and training goes on. Metric records are written in
 * batches — at most every WRITE_MS, on `flush`, and always before a checkpoint, so a checkpoint's records are saved
 * before it; a batch whose write failed is written with the next one. A checkpoint carries the LM's tokenizer.json
 * too and is awaited, and `onCheckpoint` hears of it once it is saved. After `close` (a reset) nothing is reported.
 */
import type { Finished } from '../core/experiment/finish';
import type { MetricRecord } from '../core/experiment/runner';
import type { ExperimentStore, RunFlags, StoredCheckpoint } from '../core/experiment/store';
import type { SweepResult } from '../core/experiment/sweep';
import {
  appendMetrics,
  getRunValue,
  loadCheckpoint,
  loadMetrics,
  replaceMetrics,
  saveCheckpoint,
  saveFinished,
  setRunValue,
} from '../browser/persist';
import type { SaveQueue } from './save-queue';

const WRITE_MS = 250;

export class BrowserStore implements ExperimentStore {
  readonly label = 'this browser';
  private pending: MetricRecord[] = [];
  /** Metric batches whose write failed: written with the next batch. */
  private unsaved: MetricRecord[] = [];
  private lastWrite = 0;
  private closed = false;

  constructor(
    readonly runId: string,
    private readonly saves: SaveQueue,
    /** The LM's tokenizer.json, saved beside each checkpoint (exported weights are usable alone). */
    private readonly tokenizerFile: () => Uint8Array,
    private readonly onCheckpoint: (arm: string, seed: number, step: number) => void = () => {},
  ) {}

  /** Stop reporting (a reset): writes in flight finish, failed batches are not kept for a later one. */
  close(): void {
    this.closed = true;
  }

  async appendRecords(records: MetricRecord[]): Promise<void> {
    this.pending.push(...records);
    if (performance.now() - this.lastWrite >= WRITE_MS) this.flush();
  }

  /** Queue the write of the records not yet written (none: nothing). */
  flush(): void {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.lastWrite = performance.now();
    void this.saves.write('metrics', 'the latest metrics', async () => {
      const all = this.unsaved.concat(batch);
      this.unsaved = [];
      try {
        await appendMetrics(this.runId, all);
      } catch (e) {
        if (!this.closed) this.unsaved = all.concat(this.unsaved);
        throw e;
      }
    });
  }

  async readRecords(): Promise<MetricRecord[] | null> {
    return loadMetrics(this.runId);
  }

  async replaceRecords(records: MetricRecord[]): Promise<void> {
    this.pending = [];
    await replaceMetrics(this.runId, records);
  }

  /** False when the write failed (reported by the SaveQueue; the previous checkpoint stays). */
  async putCheckpoint(arm: string, seed: number, step: number, files: Map<string, Uint8Array>): Promise<boolean> {
    this.flush();
    // saveRun writes the extended tokenizer.json (image codes as added tokens); the LM's own only where it did not.
    const c = {
      arm,
      seed,
      step,
      files: files.has('tokenizer.json')
        ? [...files]
        : [...files, ['tokenizer.json', this.tokenizerFile()] as [string, Uint8Array]],
    };
    return this.saves.write('checkpoint', `the checkpoint of ${arm} seed ${seed} at step ${step}`, async () => {
      await saveCheckpoint(this.runId, c);
      if (!this.closed) this.onCheckpoint(arm, seed, step);
    });
  }

  async getCheckpoint(arm: string, seed: number): Promise<StoredCheckpoint | null> {
    const saved = await loadCheckpoint(this.runId, arm, seed);
    return saved ? { files: new Map(saved.files), label: `${saved.arm}-s${saved.seed}`, note: null } : null;
  }

  async putFlags(flags: RunFlags): Promise<void> {
    await this.saves.write('flags', "the experiment's setup", () => setRunValue(this.runId, 'flags', flags));
  }

  async getFlags(): Promise<RunFlags | null> {
    return (await getRunValue(this.runId, 'flags')) as RunFlags | null;
  }

  async putSweep(sweep: SweepResult): Promise<void> {
    await this.saves.write('sweep', 'the learning-rate sweep', () => setRunValue(this.runId, 'sweep', sweep));
  }

  async getSweep(): Promise<SweepResult | null> {
    return (await getRunValue(this.runId, 'sweep')) as SweepResult | null;
  }

  /** Queued behind the rest, not awaited: the page shows the report at once, and a failed save is reported. */
  async putFinished(fin: Finished): Promise<void> {
    const finished = {
      report: fin.report,
      html: fin.html,
      analysis: fin.analysis,
      quality: fin.quality,
      imageLossByPosition: fin.imageLossByPosition,
    };
    this.flush();
    void this.saves.write('report', 'the report', () => saveFinished(this.runId, finished));
  }
}
