/**
 * The run's files the page saves to disk: metrics.csv, TensorBoard event files (zipped), report.html, and one run's
 * last saved checkpoint from IndexedDB (its weights and tokenizer; the resumable extras stay in the browser).
 * A live run's current weights come from the worker instead (Controller.exportCheckpoint).
 */
import { metricsCsv } from '../core/experiment/metrics-csv';
import { tensorboardFiles } from '../core/experiment/tensorboard';
import type { Finished, MetricRecord } from '../worker/protocol';
import { loadCheckpoint } from '../browser/persist';
import { download, zipFiles } from './download';

/** The records as metrics.csv (core/experiment/metrics-csv.ts). */
export function downloadMetricsCsv(records: MetricRecord[]): void {
  download('metrics.csv', new TextEncoder().encode(metricsCsv(records)), 'text/csv');
}

/** The records as TensorBoard event files, one folder per arm and seed (to-tensorboard's layout), zipped. */
export function downloadTensorBoard(records: MetricRecord[]): void {
  download('tensorboard.zip', zipFiles([...tensorboardFiles(records, Date.now() / 1000)]), 'application/zip');
}

/** The finished run's report.html; throws before the run finishes (`finished` null). */
export function downloadReport(finished: Pick<Finished, 'html'> | null): void {
  if (!finished) throw new Error('the report is written when the run finishes');
  download('report.html', new TextEncoder().encode(finished.html), 'text/html');
}

/** The last checkpoint saved of `arm` seed `seed` of run `runId` (null: no run), zipped; throws when there is none. */
export async function downloadSavedCheckpoint(runId: string | null, arm: string, seed: number): Promise<void> {
  const c = runId ? await loadCheckpoint(runId, arm, seed) : null;
  if (!c) throw new Error(`no checkpoint of ${arm} seed ${seed} yet`);
  // The resumable extras (optimizer moments, run.json) stay in the browser; the weights and tokenizer go out.
  download(
    `${arm}-s${seed}-step${c.step}.zip`,
    zipFiles(c.files.filter(([n]) => n !== 'optimizer.safetensors' && n !== 'run.json')),
    'application/zip',
  );
}
