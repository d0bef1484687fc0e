/**
 * Where an experiment keeps what lets it resume and what it produced: each run's latest resumable checkpoint
 * (resume.ts files), the metric records in the order they were logged, the flags that define the experiment, the LR
 * sweep it ran, and the finished report. The lifecycle (lifecycle.ts) talks to this interface only; the CLI keeps a
 * run folder on disk (src/cli/run-folder.ts), the page keeps IndexedDB (src/worker/browser-store.ts), and tests keep
 * memory (MemoryStore below).
 */
import type { Finished } from './finish';
import type { MetricRecord } from './runner';
import type { SweepResult } from './sweep';

/** The flags (or setup fields) that define an experiment, by name: compared before resuming it. */
export type RunFlags = Record<string, string | number | boolean | null>;

/** A run's saved checkpoint as read back. */
export interface StoredCheckpoint {
  /** The resumable state (resume.ts: model.safetensors, config.json, tabula.json, optimizer.safetensors, run.json …). */
  files: Map<string, Uint8Array>;
  /** What names it in messages (a folder, or `<arm>-s<seed>`). */
  label: string;
  /** Why this is not the latest save, when it is not (an interrupted save fell back to the one before); else null. */
  note: string | null;
}

export interface ExperimentStore {
  /** Where the experiment is kept, for messages (a folder, "this browser", "memory"). */
  readonly label: string;
  /**
   * Replace a run's checkpoint as a whole: after a kill the previous or the new one is complete, never a mix.
   * Resolves false when the store could not keep it and said so itself (the page's full quota: training goes on
   * with the previous checkpoint kept); other failures throw.
   */
  putCheckpoint(arm: string, seed: number, step: number, files: Map<string, Uint8Array>): Promise<boolean>;
  /** A run's last complete checkpoint, or null when it has none. */
  getCheckpoint(arm: string, seed: number): Promise<StoredCheckpoint | null>;
  /** Append metric records after those already kept. */
  appendRecords(records: MetricRecord[]): Promise<void>;
  /** Every kept record in the order appended; null when no record log was ever started (nothing to resume). */
  readRecords(): Promise<MetricRecord[] | null>;
  /** Replace the kept records (a resumed experiment drops what it redoes; a fresh one starts an empty log). */
  replaceRecords(records: MetricRecord[]): Promise<void>;
  putFlags(flags: RunFlags): Promise<void>;
  getFlags(): Promise<RunFlags | null>;
  putSweep(sweep: SweepResult): Promise<void>;
  getSweep(): Promise<SweepResult | null>;
  /** The finished experiment (report, its HTML and sections) with every record it was built from. */
  putFinished(finished: Finished, records: MetricRecord[]): Promise<void>;
}

const copyFiles = (files: Map<string, Uint8Array>) => new Map([...files].map(([name, bytes]) => [name, bytes.slice()]));

/**
 * An ExperimentStore in memory (tests, and anything that needs no persistence). Copies on the way in and out, so a
 * caller that changes a buffer afterwards cannot change what was saved — as with a real store.
 */
export class MemoryStore implements ExperimentStore {
  readonly label: string;
  private checkpoints = new Map<string, { step: number; files: Map<string, Uint8Array> }>();
  private records: MetricRecord[] | null = null;
  private flags: RunFlags | null = null;
  private sweep: SweepResult | null = null;
  finished: { finished: Finished; records: MetricRecord[] } | null = null;

  constructor(label = 'memory') {
    this.label = label;
  }

  async putCheckpoint(arm: string, seed: number, step: number, files: Map<string, Uint8Array>): Promise<boolean> {
    this.checkpoints.set(`${arm}-s${seed}`, { step, files: copyFiles(files) });
    return true;
  }

  async getCheckpoint(arm: string, seed: number): Promise<StoredCheckpoint | null> {
    const c = this.checkpoints.get(`${arm}-s${seed}`);
    return c ? { files: copyFiles(c.files), label: `${this.label}/${arm}-s${seed}`, note: null } : null;
  }

  /** The step of each saved checkpoint, by `<arm>-s<seed>`. */
  checkpointSteps(): Record<string, number> {
    return Object.fromEntries([...this.checkpoints].map(([k, c]) => [k, c.step]));
  }

  async appendRecords(records: MetricRecord[]): Promise<void> {
    this.records = [...(this.records ?? []), ...records.map((r) => ({ ...r }))];
  }

  async readRecords(): Promise<MetricRecord[] | null> {
    return this.records ? this.records.map((r) => ({ ...r })) : null;
  }

  async replaceRecords(records: MetricRecord[]): Promise<void> {
    this.records = records.map((r) => ({ ...r }));
  }

  async putFlags(flags: RunFlags): Promise<void> {
    this.flags = { ...flags };
  }

  async getFlags(): Promise<RunFlags | null> {
    return this.flags ? { ...this.flags } : null;
  }

  async putSweep(sweep: SweepResult): Promise<void> {
    this.sweep = structuredClone(sweep);
  }

  async getSweep(): Promise<SweepResult | null> {
    return this.sweep ? structuredClone(this.sweep) : null;
  }

  async putFinished(finished: Finished, records: MetricRecord[]): Promise<void> {
    this.finished = { finished, records: records.map((r) => ({ ...r })) };
  }
}
