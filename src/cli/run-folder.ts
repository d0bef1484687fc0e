/**
 * The CLI's ExperimentStore: a run folder on disk, in the layout `npm run replicate` has always written (so existing
 * folders resume): DIR/checkpoints/<arm>-s<seed>/ (each replaced as a whole, common.ts replaceDirAtomic),
 * DIR/checkpoints/experiment.json (the run-defining flags, resume-args.ts), DIR/metrics.partial.jsonl (one record a
 * line, appended as logged), DIR/sweep.json, and at the finish DIR/report.json, metrics.csv, sections.html and
 * report.html. Every write survives a kill at any instant (durable.ts): records are appended and synced, every other
 * file is replaced as a whole, and the finish writes report.json last, so a report.json is never beside a cut
 * metrics.csv (tests/unit/crash-consistency.test.ts kills a run at each write).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Finished } from '../core/experiment/finish';
import { reportHtml } from '../core/experiment/html';
import { metricsCsv } from '../core/experiment/metrics-csv';
import type { Report } from '../core/experiment/report';
import type { MetricRecord } from '../core/experiment/runner';
import type { ExperimentStore, RunFlags, StoredCheckpoint } from '../core/experiment/store';
import type { SweepResult } from '../core/experiment/sweep';
import {
  appendSynced,
  completeCheckpointDir,
  removeDeadSaves,
  removeDeadTemps,
  replaceDirAtomic,
  writeFileAtomic,
} from './durable';
import { EXPERIMENT_FILE, readPartialMetrics } from './resume-args';

/** The metric log a stopped run resumes from. */
export const PARTIAL_METRICS_FILE = 'metrics.partial.jsonl';

const jsonl = (records: MetricRecord[]) =>
  records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');

export class RunFolder implements ExperimentStore {
  readonly label: string;

  /** @param log where a note about a cut last line of the metric log goes */
  constructor(
    readonly dir: string,
    private readonly log: (s: string) => void = () => {},
  ) {
    this.label = dir;
    // What a killed writer left half-written beside the files and checkpoints it was replacing (they are whole): gone.
    // The driver holds the folder's run lock (replicate.ts), so no other process is saving here.
    for (const d of [dir, join(dir, 'checkpoints')]) removeDeadTemps(d);
    removeDeadSaves(join(dir, 'checkpoints'));
  }

  private runDir(arm: string, seed: number): string {
    return join(this.dir, 'checkpoints', `${arm}-s${seed}`);
  }

  async putCheckpoint(arm: string, seed: number, _step: number, files: Map<string, Uint8Array>): Promise<boolean> {
    replaceDirAtomic(this.runDir(arm, seed), files);
    return true;
  }

  async getCheckpoint(arm: string, seed: number): Promise<StoredCheckpoint | null> {
    const dir = completeCheckpointDir(this.runDir(arm, seed));
    if (!dir) return null;
    const files = new Map(
      readdirSync(dir, { withFileTypes: true })
        .filter((f) => f.isFile())
        .map((f) => [f.name, new Uint8Array(readFileSync(join(dir, f.name)))]),
    );
    return {
      files,
      label: dir,
      note: dir.endsWith('.old') ? 'from the previous save: the last one was interrupted' : null,
    };
  }

  async appendRecords(records: MetricRecord[]): Promise<void> {
    appendSynced(join(this.dir, PARTIAL_METRICS_FILE), jsonl(records));
  }

  async readRecords(): Promise<MetricRecord[] | null> {
    const file = join(this.dir, PARTIAL_METRICS_FILE);
    return existsSync(file) ? readPartialMetrics(file, this.log) : null;
  }

  async replaceRecords(records: MetricRecord[]): Promise<void> {
    writeFileAtomic(join(this.dir, PARTIAL_METRICS_FILE), jsonl(records));
  }

  async putFlags(flags: RunFlags): Promise<void> {
    writeFileAtomic(join(this.dir, 'checkpoints', EXPERIMENT_FILE), JSON.stringify(flags, null, 2) + '\n');
  }

  async getFlags(): Promise<RunFlags | null> {
    const file = join(this.dir, 'checkpoints', EXPERIMENT_FILE);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunFlags) : null;
  }

  async putSweep(sweep: SweepResult): Promise<void> {
    writeFileAtomic(join(this.dir, 'sweep.json'), JSON.stringify(sweep, null, 2) + '\n');
  }

  async getSweep(): Promise<SweepResult | null> {
    const file = join(this.dir, 'sweep.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SweepResult) : null;
  }

  async putFinished(fin: Finished, records: MetricRecord[]): Promise<void> {
    writeFileAtomic(join(this.dir, 'metrics.csv'), metricsCsv(records));
    writeReportFiles(this.dir, fin.report, records, fin.sections);
  }
}

/**
 * The one writer of a run folder's report: DIR/sections.html (the sample, quality and analysis sections, joined),
 * DIR/report.html (reportHtml of the report, the records and those sections) and DIR/report.json, each replaced as a
 * whole (durable.ts writeFileAtomic) and report.json last, so a report.json is never beside an older report.html.
 * Used by the run folder's finish, by replicate and the torch engine when they add the phase times after it, and by
 * npm run report — so the files cannot drift between them.
 */
export function writeReportFiles(dir: string, report: Report, records: MetricRecord[], sections: string[]): void {
  writeFileAtomic(join(dir, 'sections.html'), sections.join('\n'));
  writeFileAtomic(join(dir, 'report.html'), reportHtml(report, records, sections));
  writeFileAtomic(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
}
