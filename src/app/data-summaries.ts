// The Data panel's summaries (counts and the preview grid), kept in the page per dataset and caption level. The
// worker answers a request only between training rounds — the first round of a run, with its step-0 evaluation and
// samples, took 165 s on a busy 2-core machine — so a panel that asked only when opened showed "Loading…" through a
// run. The current one is fetched once the page is idle, before any run, and each one is asked for once.
import type { CaptionLevel } from '../core/data/captions';
import type { DataSummary } from '../worker/protocol';
import type { Controller } from './controller';
import type { DatasetChoice } from './store/config';

const cache = new Map<string, Promise<DataSummary>>();

export const summaryKey = (dataset: DatasetChoice, level: CaptionLevel) => `${JSON.stringify(dataset)}/${level}`;

/** The summary of `dataset` at `level`: asked of the worker once, then from memory (a failure is not kept). */
export function dataSummary(
  c: Pick<Controller, 'loadData'>,
  dataset: DatasetChoice,
  level: CaptionLevel,
): Promise<DataSummary> {
  const key = summaryKey(dataset, level);
  let p = cache.get(key);
  if (!p) {
    p = c.loadData(level, dataset);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Keep a summary the page already has (a dropped dataset, just loaded). */
export function rememberSummary(dataset: DatasetChoice, level: CaptionLevel, summary: DataSummary): void {
  cache.set(summaryKey(dataset, level), Promise.resolve(summary));
}

/** Fetch the summary of the chosen dataset and level when the page is idle, before anyone opens the panel. */
export function prefetchSummary(c: Pick<Controller, 'loadData'>, dataset: DatasetChoice, level: CaptionLevel): void {
  const go = () => void dataSummary(c, dataset, level).catch(() => undefined);
  if ('requestIdleCallback' in window) window.requestIdleCallback(go, { timeout: 3000 });
  else setTimeout(go, 500);
}
