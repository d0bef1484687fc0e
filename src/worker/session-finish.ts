/**
 * The finish of a worker experiment session (experiment-session.ts): the core lifecycle's finish (samples, quality,
 * analysis, report) with the page's PNG encoder and this worker's finish cache, then the finished event for the page.
 */
import { MemoryFinishCache } from '../core/experiment/finish-cache';
import type { Experiment } from '../core/experiment/lifecycle';
import * as tf from '../core/tf';
import { pngDataUrlBrowser } from './browser-io';
import type { WorkerEvent } from './protocol';

/** The caption analysis of each setup, kept for the worker's lifetime: a second run of a setup reuses it. */
const finishCache = new MemoryFinishCache();

/**
 * Finish `exp` (begun at performance.now() `startedAt`), saying each stage through `log` (which may throw to cancel),
 * and post the report, its HTML, the analysis, quality and per-position image loss.
 */
export async function finishSession(
  exp: Experiment,
  startedAt: number,
  log: (s: string) => void,
  post: (e: WorkerEvent) => void,
): Promise<void> {
  const meta = {
    backend: tf.getBackend(),
    meanCaptionTokens: exp.prepared!.meanCaption,
    generator: 'the Tabula Rasa playground',
  };
  const fin = await exp.finish({ encodePng: pngDataUrlBrowser, meta, startedAt, log, finishCache });
  post({
    type: 'finished',
    id: null,
    finished: {
      report: fin.report,
      html: fin.html,
      analysis: fin.analysis,
      quality: fin.quality,
      imageLossByPosition: fin.imageLossByPosition,
    },
  });
}
