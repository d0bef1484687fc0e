/**
 * The start of a worker experiment session (experiment-session.ts): load the page's inputs (session-inputs.ts), take
 * the prepared data a resume kept in this browser or else the image codes (codes.ts), open the run's IndexedDB store
 * (browser-store.ts) and prepare the core's lifecycle over it; then tell the page the setup's fingerprint, keep the
 * prepared data for a resume, and, resuming, send the records kept up to each checkpoint. Each thing made is handed
 * to the session as soon as it exists, so a reset or a failure part-way frees it.
 */
import { experimentIdentity } from '../core/experiment/fingerprint-inputs';
import { Experiment } from '../core/experiment/lifecycle';
import type { MemoryLimit } from '../core/experiment/memory';
import type { Prepared } from '../core/experiment/prepare';
import type { MetricRecord } from '../core/experiment/runner';
import { SHIPPED_MODELS } from '../core/shipped';
import { loadPrepared, savePrepared } from '../browser/persist';
import { BrowserStore } from './browser-store';
import { readPublicData } from './browser-io';
import { codeTableFor } from './codes';
import type { WorkerCommand, WorkerEvent } from './protocol';
import type { SaveQueue } from './save-queue';
import { loadPageInputs, type PageInputs } from './session-inputs';

export type Start = Extract<WorkerCommand, { type: 'start' }>;

/** What the session lends the preparation, and how it takes what is made. */
export interface PrepareHost {
  /** Say the stage under way (with a count when `total` > 0); throws to cancel the preparation. */
  stage(what: string, done?: number, total?: number): void;
  post(e: WorkerEvent): void;
  saves: SaveQueue;
  /** What this backend can hold (null: unknown). */
  memoryLimit: MemoryLimit | null;
  /** The LM's tokenizer file, for the checkpoints the store saves. */
  tokenizerFile(): Uint8Array;
  /** Told each batch of records the lifecycle keeps. */
  onRecords(records: MetricRecord[]): void;
  holdInputs(loaded: PageInputs): void;
  holdStore(store: BrowserStore): void;
  holdExperiment(exp: Experiment): void;
}

/** Prepare run `runId` of `cmd` (fresh, or resumed from this browser's store); throws what the stages throw. */
export async function prepareSession(cmd: Start, runId: string, host: PrepareHost): Promise<void> {
  const cfg = cmd.config;
  const stage = (what: string, done = 0, total = 0) => host.stage(what, done, total);
  const loaded = await loadPageInputs(cmd, stage, host.memoryLimit);
  host.holdInputs(loaded);
  const kept: Prepared | null = cmd.resume ? await loadPrepared(runId).catch(() => null) : null;
  if (kept) stage('prepared data read back from this browser: no need to turn the images into tokens again');
  const codes = kept
    ? null
    : await codeTableFor(
        cmd.dataset,
        loaded.images,
        loaded.vq,
        loaded.vqKey,
        (s) => stage(s),
        (what, done, total) => stage(what, done, total),
      );
  const store = new BrowserStore(
    runId,
    host.saves,
    () => host.tokenizerFile(),
    (arm, seed, step) => host.post({ type: 'checkpoint', id: null, arm, seed, step }),
  );
  host.holdStore(store);
  const inputs = {
    cfg,
    images: loaded.images,
    lm: loaded.lm,
    tokenizer: loaded.tokenizer,
    vq: loaded.vq,
    readData: readPublicData,
    codes,
  };
  const exp = new Experiment(inputs, {
    store,
    resume: cmd.resume,
    prepared: kept,
    log: (s) => stage(s),
    progress: (what, done, total) => stage(what, done, total),
    stepZero: 'after-first-round',
    timedCheckpoints: true,
    onRecords: (recs) => host.onRecords(recs),
  });
  host.holdExperiment(exp);
  await exp.prepare();
  // The setup fingerprint of the effective config (docs/class.md): the page shows it and puts it on the result card.
  const names = {
    lm: cmd.lm.kind === 'shipped' ? `${SHIPPED_MODELS.lm} (shipped)` : cmd.lm.name,
    vq: `${loaded.vqKey} (shipped)`,
  };
  host.post({
    type: 'identity',
    id: null,
    identity: await experimentIdentity(
      exp.cfg,
      { ...loaded, tokenizerJson: loaded.tokenizer.toTokenizerJson() },
      names,
    ),
    config: { ...exp.cfg },
  });
  if (!kept) {
    const p = exp.prepared!;
    void host.saves.write('prepared', 'the prepared data (a resume will prepare again)', () => savePrepared(runId, p));
  }
  // A resumed experiment keeps each run's records up to its checkpoint; what came after is redone.
  if (cmd.resume) host.post({ type: 'records', id: null, records: [...exp.records] });
}
