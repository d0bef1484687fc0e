/**
 * The page's controller: it owns the worker, turns user actions into commands (showing at once what was asked —
 * pausing…, resetting… — until the worker acts at its next step boundary), feeds worker events into the store
 * (worker-events.ts), creates runs in IndexedDB and reads them back after a reload (the worker writes their metrics
 * and checkpoints), holds a wake lock while training (wake-lock.ts), saves the run's files (run-downloads.ts), and
 * falls back to wasm (resuming from the last checkpoints) when the WebGPU device is lost. Components call it; they
 * never talk to the worker themselves.
 */
import type { ExperimentConfig } from '../core/experiment/config';
import type { CaptionLevel, DatasetChoice, DatasetSpec, LmChoice, LmSpec, WorkerEvent } from '../worker/protocol';
import { deleteRun, getSpeed, loadCurrent, saveNewRun, type RunMeta } from '../browser/persist';
import { download, zipFiles } from './download';
import { speedEstimate } from './eta';
import { byodRefusal } from './byod-refusal';
import { playButton } from './play-button';
import { setupProblems } from './setup-check';
import { downloadMetricsCsv, downloadReport, downloadSavedCheckpoint, downloadTensorBoard } from './run-downloads';
import { loadShown } from './shown-state';
import type { Intent } from './status-line';
import { useAppStore } from './store';
import { ScreenWakeLock } from './wake-lock';
import { WorkerClient } from './worker-client';
import { applyWorkerEvent } from './worker-events';
import type { ProbeRun } from './backend-probe';
import { applyProbeFigures, autoStart, probeInBackground, startedChoice, type AutoStart } from './auto-backend';
import { PROBE_ORDER } from '../core/backend-probe';

const store = () => useAppStore.getState();

export class Controller {
  private client: WorkerClient;
  private requested: string | null;
  private datasetZip: Uint8Array | null = null;
  private lmFiles: [string, Uint8Array][] | null = null;
  private readonly wakeLock = new ScreenWakeLock();
  private ready: Promise<void>;
  /** The shipped LM's shape, read once the backend is up (other device work — the self-test — waits for it). */
  private lmRead: Promise<unknown> = Promise.resolve();
  private restoring = false;
  /** The automatic start's facts and cache key (null when a backend was requested by name). */
  private auto: AutoStart | null = null;
  /** The backend probe while it runs. */
  private probe: ProbeRun | null = null;

  constructor(requested: string | null) {
    this.requested = requested;
    this.client = new WorkerClient((e) => this.onEvent(e));
    this.ready = this.init();
  }

  private async init(): Promise<void> {
    store().deviceStarting(this.requested);
    const auto = !(PROBE_ORDER as readonly (string | null)[]).includes(this.requested);
    try {
      // auto: start on the probe's cached choice at once, or on wasm while the probe runs (after the LM read).
      this.auto = auto ? await autoStart(this.client) : null;
      const e = await this.client.send<'ready'>({ type: 'init', backend: this.auto?.start ?? this.requested });
      store().deviceReady(this.auto ? startedChoice(e.choice, this.auto) : e.choice, e.initMs, e.memory);
      const measured = await getSpeed(e.choice.backend).catch(() => null);
      store().setSpeed(speedEstimate(e.choice.backend, measured, store().config));
      if (this.auto?.cached) applyProbeFigures(e.choice.backend, this.auto.cached);
    } catch (err) {
      store().deviceFailed((err as Error).message);
      throw err;
    }
    // The shipped LM's shape, for the setup's checks (context, memory).
    if (store().lm.kind === 'shipped')
      this.lmRead = this.client.send<'lm'>({ type: 'lm-info', lm: { kind: 'shipped' } }).then(
        (r) => store().lm.kind === 'shipped' && store().setLmInfo(r.info),
        () => undefined,
      );
    if (this.auto && !this.auto.cached) void this.lmRead.then(() => this.startProbe());
  }

  /** Time each backend in the background (auto-backend.ts) and act on the figures; Play stops it. */
  private startProbe(): void {
    if (!this.auto || this.probe || ['running', 'preparing'].includes(store().run.status?.phase ?? '')) return;
    this.probe = probeInBackground(
      this.auto,
      async () => {
        // Nothing on the page yet: restart the trainer worker, which now starts on the cached choice.
        this.client.terminate();
        this.client = new WorkerClient((e) => this.onEvent(e));
        this.ready = this.init();
        await this.ready.catch(() => undefined);
      },
      () => (this.probe = null),
    );
  }

  /** Stop the backend probe, if it runs (a run needs the CPU, and the probe's figures would be skewed by it). */
  private stopProbe(why: string): void {
    this.probe?.cancel(why);
  }

  /** Put back the run saved in IndexedDB (after a reload); a failure to read it is said, not taken for "no saved run". */
  async restore(): Promise<void> {
    if (this.restoring) return;
    this.restoring = true;
    let saved;
    try {
      saved = await loadCurrent();
    } catch (e) {
      store().runNotice(
        `Could not read the runs saved in this browser (${(e as Error).message || (e as Error).name}): a run you trained before may still be there; reload to try again. New runs may not be saved either.`,
      );
      return;
    }
    if (!saved) return;
    this.datasetZip = saved.run.datasetZip;
    this.lmFiles = saved.run.lmFiles;
    store().runRestored(saved.run.meta, saved.records, saved.run.checkpoints, saved.run.finished);
    // The latest heatmap and samples it showed (a failure to read them leaves those two pictures empty, as before).
    const shown = await loadShown(saved.run.meta.id).catch(() => null);
    if (shown && store().run.meta?.id === saved.run.meta.id) store().runShownRestored(shown.heatmap, shown.live);
    const { dataset, lm } = saved.run.meta;
    if (dataset.kind === 'byod' && this.datasetZip) store().setDataset(dataset);
    if (lm.kind === 'files' && this.lmFiles) store().setLm(lm);
    // The link's note about "your own data/LM" no longer applies once the saved run brought them back.
    store().setIgnored(
      store().ignoredParams.filter(
        (p) =>
          !(dataset.kind === 'byod' && this.datasetZip && p.startsWith(`data=own:${dataset.name} `)) &&
          !(lm.kind === 'files' && this.lmFiles && p.startsWith(`lm=own:${lm.name} `)),
      ),
    );
  }

  private onEvent(e: WorkerEvent): void {
    applyWorkerEvent(e, { holdWakeLock: (want) => this.wakeLock.hold(want), fallback: (m) => void this.fallback(m) });
  }

  /** The WebGPU device went away: restart the worker on wasm and continue the run from its last checkpoints. */
  private async fallback(message: string): Promise<void> {
    const wasRunning = ['running', 'preparing', 'paused'].includes(store().run.status?.phase ?? '');
    store().deviceNotice(
      `${message}. Switched to wasm${wasRunning ? ' and resumed the run from its last checkpoint' : ''}.`,
    );
    this.client.terminate();
    this.requested = 'wasm';
    this.client = new WorkerClient((e) => this.onEvent(e));
    this.ready = this.init();
    await this.ready;
    if (wasRunning && store().run.meta) {
      store().runRestored(store().run.meta!, store().run.records, store().run.checkpoints, null);
      await this.resumeRun();
    }
  }

  /** Show at once what the user asked for, until the command is answered. */
  private async asking<T>(intent: Intent, fn: () => Promise<T>): Promise<T> {
    store().setIntent(intent);
    try {
      return await fn();
    } finally {
      store().setIntent(null);
    }
  }

  async selfTest(): Promise<void> {
    this.stopProbe('the self-test started');
    await this.ready;
    await this.lmRead; // its tensors must be freed before the self-test counts them
    store().selfTestStarted();
    try {
      store().selfTestDone((await this.client.send<'self-test'>({ type: 'self-test', steps: 5, seed: 0 })).result);
    } catch (err) {
      store().selfTestDone(null, (err as Error).message);
    }
  }

  private datasetSpec(d: DatasetChoice = store().dataset): DatasetSpec {
    if (d.kind === 'emoji') return d;
    if (!this.datasetZip)
      throw new Error('drop your dataset (a .zip or a folder) on the Data panel again: it is not in memory');
    return { ...d, zip: this.datasetZip };
  }

  private lmSpec(lm: LmChoice = store().lm): LmSpec {
    if (lm.kind === 'shipped') return lm;
    if (!this.lmFiles) throw new Error('pick your LM folder again: its files are not in memory');
    return { ...lm, files: this.lmFiles };
  }

  /** Have the worker prepare and run `meta`'s experiment, fresh or from its saved checkpoints. */
  private launch(meta: RunMeta, resume: boolean, dataset: DatasetSpec, lm: LmSpec) {
    return this.client.send<'ack'>({
      type: 'start',
      runId: meta.id,
      config: meta.config,
      dataset,
      lm,
      paused: false,
      resume,
      logEvery: readEvery(meta.config),
    });
  }

  async loadData(level: CaptionLevel, dataset: DatasetChoice = store().dataset) {
    return (
      await this.client.send<'data'>({ type: 'load-data', dataset: this.datasetSpec(dataset), level, preview: 48 })
    ).summary;
  }

  /**
   * A dropped zip (or a picked folder, zipped in the page) becomes the dataset — only when it has usable images:
   * otherwise the current dataset stays (nothing of the refused drop is kept) and the refusal is thrown.
   */
  async loadByod(name: string, zip: Uint8Array, level: CaptionLevel) {
    const summary = (
      await this.client.send<'data'>({ type: 'load-data', dataset: { kind: 'byod', name, zip }, level, preview: 48 })
    ).summary;
    if (summary.refused || summary.images === 0) throw new Error(byodRefusal(name, summary));
    this.datasetZip = zip;
    store().setDataset({ kind: 'byod', name });
    return summary;
  }

  /** A picked GPT-2-layout folder, read by the worker as a run would read it: refused at once when it cannot load. */
  async setLmFolder(name: string, files: [string, Uint8Array][]): Promise<void> {
    const names = new Set(files.map(([n]) => n));
    const missing = ['config.json', 'model.safetensors'].filter((f) => !names.has(f));
    if (missing.length)
      throw new Error(
        `${name}: missing ${missing.join(' and ')}; pick a GPT-2-layout folder (config.json, model.safetensors, and tokenizer.json or vocab.json + merges.txt)`,
      );
    await this.ready;
    const { info } = await this.client.send<'lm'>({ type: 'lm-info', lm: { kind: 'files', name, files } });
    this.lmFiles = files;
    store().setLm({ kind: 'files', name }, info);
  }

  /** Back to the shipped LM. */
  async useShippedLm(): Promise<void> {
    store().setLm({ kind: 'shipped' });
    await this.ready;
    const { info } = await this.client.send<'lm'>({ type: 'lm-info', lm: { kind: 'shipped' } });
    if (store().lm.kind === 'shipped') store().setLmInfo(info);
  }

  /** Problems that stop Play for the current setup (empty when it can run). */
  setupProblems(): string[] {
    const s = store();
    return setupProblems(s.config, {
      lm: s.lmInfo?.shape,
      limit: s.device.memory,
      backend: s.device.choice?.backend,
      fieldErrors: Object.values(s.fieldErrors),
    });
  }

  /**
   * The Play button: continue a paused run, resume a stopped or restored run from its checkpoints, else start a new
   * run with the setup (play-button.ts decides from the run the page shows). Throws the setup's problems, or why a
   * run cannot be resumed (its dataset or LM files are no longer in memory).
   */
  async pressPlay(): Promise<void> {
    this.stopProbe('Play was pressed');
    const { choice } = playButton(store().run);
    if (choice === 'continue') await this.play();
    else if (choice === 'resume') await this.resumeRun();
    else await this.start();
  }

  private async start(): Promise<void> {
    const problems = this.setupProblems();
    if (problems.length) throw new Error(problems.join(' '));
    await this.asking('starting', async () => {
      await this.ready;
      const s = store();
      const meta: RunMeta = {
        id: crypto.randomUUID(),
        config: s.config,
        dataset: s.dataset,
        lm: s.lm,
        backend: s.device.choice?.backend ?? '?',
        createdAt: Date.now(),
      };
      const dataset = this.datasetSpec(meta.dataset);
      const lm = this.lmSpec(meta.lm);
      s.runStarted(meta);
      store().setIntent('starting');
      await saveNewRun(meta, dataset.kind === 'byod' ? dataset.zip : null, lm.kind === 'files' ? lm.files : null).catch(
        (err) =>
          store().runNotice(
            `This run will not survive a reload: it could not be saved in this browser (${err.message || err.name}).`,
          ),
      );
      await this.launch(meta, false, dataset, lm);
    });
  }

  /** Continue a restored (or stopped) run from its checkpoints, or from the start for runs without one. */
  private async resumeRun(): Promise<void> {
    await this.asking('resuming', async () => {
      await this.ready;
      const s = store();
      const meta = s.run.meta;
      if (!meta) throw new Error('no run to resume');
      const dataset = this.datasetSpec(meta.dataset);
      const lm = this.lmSpec(meta.lm);
      s.runResumed();
      await this.launch(meta, true, dataset, lm);
    });
  }

  /** How often the worker reads training numbers back (a read-back waits for the device; fewer are faster on a GPU). */
  setReadEvery(n: number | null): void {
    store().setReadEvery(n);
    const cfg = store().run.meta?.config;
    if (cfg && store().run.status && ['running', 'paused'].includes(store().run.status!.phase))
      void this.client.send<'ack'>({ type: 'set-config', logEvery: readEvery(cfg) });
  }

  pause = () => this.asking('pausing', () => this.client.send<'ack'>({ type: 'pause' }));
  private play = () => this.client.send<'ack'>({ type: 'play' });
  step = () => this.asking('stepping', () => this.client.send<'ack'>({ type: 'step' }));

  /** Stop and forget the run (cancels a preparation); a failed delete of its saved copy is said. */
  async reset(): Promise<void> {
    const preparing = store().run.status?.phase === 'preparing';
    await this.asking(preparing ? 'cancelling' : 'resetting', () => this.client.send<'ack'>({ type: 'reset' }));
    const id = store().run.meta?.id;
    store().runCleared();
    if (id)
      await deleteRun(id).catch((e: Error) =>
        store().runNotice(
          `The run was reset, but its saved copy could not be deleted from this browser (${e.message || e.name}); it will be replaced by the next run.`,
        ),
      );
  }

  /** A fault drill: a NaN in one run's weights (its next step stops the experiment, keeping the checkpoints). */
  injectNaN = () => this.client.send<'ack'>({ type: 'inject-nan' });

  async sample(caption: string, count: number, temperature: number): Promise<void> {
    const e = await this.client.send<'samples'>({ type: 'sample', caption, count, temperature });
    store().runSamples(e.samples);
  }

  async trainTokenizer(steps: number): Promise<void> {
    await this.ready;
    store().vqStarted(steps);
    await this.client.send<'ack'>({ type: 'vq-train', dataset: this.datasetSpec(), steps });
  }

  /** Destroy the WebGPU device in the worker, to see the fallback happen. */
  loseDevice = () => this.client.send<'ack'>({ type: 'lose-device' });

  stopTokenizer = () => this.client.send<'ack'>({ type: 'vq-stop' });

  exportCsv(): void {
    downloadMetricsCsv(store().run.records);
  }

  /** The run's records as TensorBoard event files, one folder per arm and seed (to-tensorboard's layout), zipped. */
  exportTensorBoard(): void {
    downloadTensorBoard(store().run.records);
  }

  exportReport(): void {
    downloadReport(store().run.finished);
  }

  /** One run's weights (with the LM's tokenizer.json): current ones from the worker while the run is live, else its last saved checkpoint. */
  async exportCheckpoint(arm: string, seed: number): Promise<void> {
    const live = ['running', 'paused', 'done'].includes(store().run.status?.phase ?? '');
    if (live) {
      const e = await this.client.send<'export'>({ type: 'export', arm, seed });
      download(`${e.name}.zip`, zipFiles(e.files), 'application/zip');
      return;
    }
    await downloadSavedCheckpoint(store().run.meta?.id ?? null, arm, seed);
  }

  terminate(): void {
    this.stopProbe('the page was closed');
    this.wakeLock.hold(false);
    this.client.terminate();
  }
}

/** The read-back interval for a run: the page's choice, else automatic (every step for short runs, ~400 points per curve for long ones). */
const readEvery = (cfg: ExperimentConfig) => store().ui.readEvery ?? Math.max(1, Math.floor(cfg.steps / 400));
