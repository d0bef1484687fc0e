/**
 * One experiment in the worker: prepare (LM, tokenizer, VQ, data → codes, shipped or cached: worker/codes.ts;
 * counted, cancellable, kept in IndexedDB so a resume skips it), then step every arm × seed while the page lets it,
 * streaming batched metrics, status, checkpoints, heatmaps and live samples; at the end the core's finishing (samples,
 * quality, analysis, report). The untrained models' evaluation (the curves' step-0 point) runs right after the first
 * round, on snapshots taken before it (StepZero), so it does not hold the first training point.
 * Device work is serialised through one lock, so a sample or an export asked for mid-run waits for the step in flight.
 * Pause, step and reset act at the next step boundary (one run's step: a round of every run is not waited for).
 * Checkpoints come every cfg.checkpointEvery steps and, one run per round, when a run's last one is CHECKPOINT_SECONDS
 * old (longer when saving is slow), so a reload loses little training (RunSaver); the status line names the
 * checkpoint being saved and the ETA counts the time saves take. A NaN/Inf loss stops the experiment with each run's last good
 * checkpoint kept (weights that are not finite are never saved), ready to resume. Saving never stops training.
 */
import * as tf from '@tensorflow/tfjs';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { memorySource, type FileSource } from '../core/checkpoint/source';
import { loadVQWithKey } from '../core/data/codes';
import type { ExperimentConfig } from '../core/experiment/config';
import { finishExperiment, lossByPosition } from '../core/experiment/finish';
import { estimateMemory, memoryRefusal, type MemoryLimit } from '../core/experiment/memory';
import { prepareExperiment, pretrainingCorpus, type ImageSplits } from '../core/experiment/prepare';
import { restoreRun, saveRunWeights } from '../core/experiment/resume';
import { recordsToResume, restoredSteps } from '../core/experiment/resume-records';
import { ExperimentRunner, type MetricRecord, type Run } from '../core/experiment/runner';
import { sampleImages } from '../core/experiment/samples';
import { StepZero } from '../core/experiment/step-zero';
import type { ExperimentData } from '../core/experiment/data';
import type { GPT } from '../core/nn/gpt';
import type { VQVAE } from '../core/nn/vqvae';
import type { TextTokenizer } from '../core/tokenize/hf';
import { pngDataUrlBrowser, readPublicData, shippedModel, toPictures } from './browser-io';
import { splitsFor } from './datasets';
import { codeTableFor } from './codes';
import { loadCheckpoint, loadMetrics, loadPrepared, replaceMetrics, saveFinished, savePrepared, type SavedPrepared } from './persist';
import type { LmSpec, RunPhase, RunStatus, SampleSet, WorkerCommand, WorkerEvent } from './protocol';
import { RunSaver, runKey as key } from './run-saver';

type Start = Extract<WorkerCommand, { type: 'start' }>;
const LIVE_SAMPLES = 4;
/** Weight of the newest measurement in the speed figures' moving averages. */
const EMA = 0.3;

/** Preparation or finishing was stopped by a reset (not an error to show). */
class Cancelled extends Error {}

const ema = (old: number | null, x: number) => (old === null ? x : (1 - EMA) * old + EMA * x);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class ExperimentSession {
  private phase: RunPhase = 'idle';
  private message = '';
  private progress: RunStatus['progress'] = null;
  private runner: ExperimentRunner | null = null;
  /** Snapshots of the untrained models, evaluated as step 0 after the first round. */
  private stepZero: StepZero | null = null;
  private lm: GPT | null = null;
  private vq: VQVAE | null = null;
  private tokenizer: TextTokenizer | null = null;
  private tokenizerJson: string | null = null;
  private data: ExperimentData | null = null;
  private images: ImageSplits | null = null;
  private cfg: ExperimentConfig | null = null;
  private meanCaption: number | null = null;
  private records: MetricRecord[] = [];
  private stepMs: number | null = null;
  private evalMs: number | null = null;
  /** Run-steps taken since training started or resumed (the denominator of the checkpoint time per step). */
  private stepsTaken = 0;
  private tokensPerSecond: number | null = null;
  private logEvery = 1;
  private lock: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private t0 = 0;
  private runId = '';
  /** What the page asked for, honoured at the next step boundary (or the next check while preparing or finishing). */
  private want: 'pause' | 'stop' | null = null;
  /** Bumped by every start and reset, so a cancelled start's clean-up cannot touch the next one. */
  private generation = 0;
  private samplesDue = false;
  private reportedStops = new Set<string>();
  private readonly saver: RunSaver;

  constructor(
    private readonly post: (e: WorkerEvent) => void,
    /** What this backend can hold (null: unknown), for refusing a setup too big before allocating it. */
    private readonly memoryLimit: () => MemoryLimit | null = () => null,
  ) {
    this.saver = new RunSaver(post);
  }

  /** Run device work after whatever holds the lock. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** The furthest step any run has reached (0 before the runner exists). */
  private step(): number {
    return this.runner ? Math.max(0, ...this.runner.runs.map((r) => r.step)) : 0;
  }

  private status(phase: RunPhase = this.phase, message = this.message): void {
    this.phase = phase;
    this.message = message;
    const mem = tf.memory();
    const steps = this.cfg?.steps ?? 0;
    const stepsLeft = this.runner ? this.runner.runs.reduce((s, r) => s + (r.stopped ? 0 : steps - r.step), 0) : 0;
    const s: RunStatus = { phase, message, progress: this.progress, step: this.step(), steps, runs: this.runner?.runs.length ?? 0, stepsLeft, stepMs: this.stepMs, evalMs: this.evalMs, evalEvery: this.cfg?.evalEvery ?? 1, saveMsPerStep: this.stepsTaken ? this.saver.savingMs / this.stepsTaken : null, tokensPerSecond: this.tokensPerSecond, numTensors: mem.numTensors, numBytes: mem.numBytes };
    this.post({ type: 'status', id: null, status: s });
  }

  private flush(force = false): void {
    this.saver.flush(force);
  }

  /** Records of the experiment, kept here and posted and saved with the next flush. */
  private add(records: MetricRecord[]): void {
    this.records.push(...records);
    this.saver.push(records);
  }

  private lmSource(spec: LmSpec): FileSource {
    return spec.kind === 'shipped' ? shippedModel('lm-austen') : memorySource(spec.name, new Map(spec.files));
  }

  async start(cmd: Start): Promise<void> {
    if (this.phase !== 'idle') await this.reset();
    const gen = ++this.generation;
    this.want = null;
    this.cfg = cmd.config;
    this.logEvery = Math.max(1, cmd.logEvery);
    this.runId = cmd.runId;
    this.saver.begin(cmd.runId, () => this.data!.plan, () => this.tokenizerFile());
    this.t0 = performance.now();
    try {
      await this.exclusive(() => this.prepare(cmd));
    } catch (e) {
      if (gen !== this.generation) return; // a reset took over and cleans up
      this.free();
      this.status(e instanceof Cancelled ? 'idle' : 'failed', e instanceof Cancelled ? 'preparation cancelled' : messageOf(e));
      return;
    }
    if (cmd.paused) this.status('paused', 'ready: press play');
    else this.play();
  }

  private async prepare(cmd: Start): Promise<void> {
    const cfg = cmd.config;
    const stage = (what: string, done = 0, total = 0) => {
      if (this.want === 'stop') throw new Cancelled('cancelled');
      this.progress = total ? { what, done, total } : null;
      this.status('preparing', what);
    };
    stage('loading the pre-trained LM and the VQ tokenizer');
    const src = this.lmSource(cmd.lm);
    const loaded = await loadGPT2(src, 'playground-lm');
    this.lm = loaded.model;
    this.tokenizerJson = loaded.tokenizerJson ?? null;
    this.tokenizer = await checkpointTokenizer(src, loaded.tokenizerJson);
    const vq = await loadVQWithKey(shippedModel('vq-twemoji32'), 'playground-vq');
    this.vq = vq.model;
    stage('loading the images');
    this.images = await splitsFor(cmd.dataset, cfg);
    // A setup too big for this device is refused here, before any run is allocated.
    const estimate = estimateMemory(cfg, this.lm.config, { trainImages: this.images.trainCount, valImages: this.images.valCount, imageSize: this.images.size, imageTokens: this.vq.grid * this.vq.grid, imageCodes: this.vq.config.codebookSize });
    const refusal = memoryRefusal(estimate, this.memoryLimit(), tf.getBackend(), cfg);
    if (refusal) throw new Error(`Refused before allocating anything: ${refusal}.`);
    let prep: SavedPrepared | null = cmd.resume ? await loadPrepared(this.runId).catch(() => null) : null;
    if (prep) stage('prepared data read back from this browser: no need to turn the images into tokens again');
    else {
      const codes = await codeTableFor(cmd.dataset, this.images, this.vq, vq.key, (s) => stage(s), (what, done, total) => stage(what, done, total));
      const made = await prepareExperiment(cfg, this.images, this.lm, this.tokenizer, this.vq, readPublicData, (s) => stage(s), { codes, progress: (what, done, total) => stage(what, done, total) });
      prep = { data: made.data, meanCaption: made.meanCaption, alignedRows: made.alignedRows };
      const keep = prep;
      void this.saver.write('prepared', 'the prepared data (a resume will prepare again)', () => savePrepared(this.runId, keep));
    }
    this.data = prep.data;
    this.meanCaption = prep.meanCaption;
    stage('building the arms');
    // Checkpoints the runner asks for are written after the round, once its metrics are queued before them.
    const runner = new ExperimentRunner(cfg, prep.data, this.lm, { onCheckpoint: (run) => this.saver.markDue(run) }, prep.alignedRows);
    this.runner = runner;
    const restored: Run[] = [];
    if (cmd.resume) {
      for (const [k, run] of runner.runs.entries()) {
        stage('restoring the runs from their checkpoints', k, runner.runs.length);
        const saved = await loadCheckpoint(this.runId, run.arm.name, run.seed);
        if (!saved) continue;
        await restoreRun(runner, new Map(saved.files), `${saved.arm}-s${saved.seed}`);
        restored.push(run);
      }
      // Keep each run's records up to its checkpoint; what came after is redone.
      this.records = recordsToResume(await loadMetrics(this.runId), restoredSteps(runner));
      await replaceMetrics(this.runId, this.records);
      this.post({ type: 'records', id: null, records: this.records });
    }
    this.stepZero = StepZero.take(runner);
    this.saver.started(runner.runs, restored);
    this.stepsTaken = 0;
    this.progress = null;
  }

  /** The LM's own tokenizer.json (or one written from its vocab.json + merges.txt), for exported weights. */
  private tokenizerFile(): Uint8Array {
    return new TextEncoder().encode(this.tokenizerJson ?? this.tokenizer!.toTokenizerJson());
  }

  private postHeatmap(): void {
    if (this.runner) this.post({ type: 'heatmap', id: null, step: this.step(), byArm: lossByPosition(this.runner) });
  }

  /** One round: each run at the lowest step takes one step (a run left behind by a pause catches up first). */
  private async round(): Promise<boolean> {
    return this.exclusive(async () => {
      const runner = this.runner;
      if (!runner || !runner.active()) return false;
      let extra = 0;
      const timed = async (fn: () => Promise<void>) => {
        const t = performance.now();
        await fn();
        extra += performance.now() - t;
      };
      if (this.samplesDue && this.want === null) await timed(() => this.liveSamples());
      const live = runner.runs.filter((r) => !r.stopped && r.step < runner.cfg.steps);
      const lo = Math.min(...live.map((r) => r.step));
      const sum = () => runner.runs.reduce((s, r) => ({ ms: s.ms + r.trainMs, tokens: s.tokens + r.tokens, steps: s.steps + r.step }), { ms: 0, tokens: 0, steps: 0 });
      const before = sum();
      const t = performance.now();
      const recs = await runner.stepRound(runner.cfg.steps, (step) => step % this.logEvery === 0, (run) => this.want === null && run.step === lo);
      const wall = performance.now() - t;
      const after = sum();
      const trainMs = after.ms - before.ms;
      const steps = after.steps - before.steps;
      if (steps > 0 && trainMs > 0) this.tokensPerSecond = ema(this.tokensPerSecond, (after.tokens - before.tokens) / (trainMs / 1000));
      this.add(recs);
      if (this.stepZero) await this.evalStepZero();
      if (recs.some((r) => r.metric.startsWith('val/'))) {
        this.flush(true);
        this.postHeatmap();
        this.samplesDue = true;
        if (this.want === null) await timed(() => this.liveSamples());
        this.evalMs = ema(this.evalMs, wall - trainMs + extra);
        if (steps > 0) this.stepMs = ema(this.stepMs, trainMs / steps);
      } else if (steps > 0) this.stepMs = ema(this.stepMs, (wall + extra) / steps);
      this.stepsTaken += Math.max(0, steps);
      const message = this.message;
      await this.saver.afterRound(runner.runs, (what) => this.status(this.phase, what ?? message));
      this.flush();
      return runner.active();
    });
  }

  /** The first round is out: now the untrained models' evaluation and samples, as step 0 (timed as an evaluation). */
  private async evalStepZero(): Promise<void> {
    const zero = this.stepZero!;
    this.stepZero = null;
    try {
      if (!zero.pending) return;
      const t = performance.now();
      this.flush(true);
      this.status(this.phase, 'evaluating the untrained models (step 0)');
      this.add(await zero.evaluate(this.runner!));
      this.flush(true);
      this.postHeatmap();
      await this.liveSamples(zero.models, 0);
      this.evalMs = ema(this.evalMs, performance.now() - t);
      this.status(this.phase, this.phase === 'running' ? 'training' : 'paused');
    } finally {
      zero.dispose();
    }
  }

  /** Runs stopped by a non-finite loss since the last look. */
  private newStops(): Run[] {
    const stops = this.runner?.runs.filter((r) => r.stopped && !this.reportedStops.has(key(r))) ?? [];
    for (const r of stops) this.reportedStops.add(key(r));
    return stops;
  }

  /** A run's loss became NaN/Inf: save the other runs, keep every last good checkpoint, and say how to resume. */
  private async stopOnNonFinite(stops: Run[]): Promise<void> {
    this.flush(true);
    for (const run of this.runner!.runs) if (!run.stopped && this.saver.savedStep.get(key(run)) !== run.step) await this.saver.checkpoint(run);
    await this.saver.idle();
    const lines = stops.map((r) => {
      const saved = this.saver.savedStep.get(key(r));
      // The runner's sentence up to its own note on checkpoints, which this one replaces with the step.
      return `${(r.stopped ?? '').split(';')[0]}. ${saved ? `Its last good checkpoint (step ${saved}) is kept.` : 'It had no checkpoint yet: resuming starts it over.'}`;
    });
    this.status('failed', `${lines.join(' ')} Training stopped; Resume continues every run from its last checkpoint.`);
  }

  play(): void {
    if (!this.runner || !['preparing', 'paused'].includes(this.phase)) return;
    this.want = null;
    this.status('running', '');
    this.loop = this.runLoop();
  }

  private async runLoop(): Promise<void> {
    try {
      while (this.want === null) {
        const more = await this.round();
        const stops = this.newStops();
        if (stops.length) return await this.stopOnNonFinite(stops);
        if (!more) return await this.finish();
        if (this.want === null) this.status();
        await new Promise((r) => setTimeout(r, 0)); // let pause/step/sample messages in
      }
    } catch (e) {
      if (e instanceof Cancelled) return;
      this.flush(true);
      this.status('failed', messageOf(e));
    }
  }

  /** Stop at the next step boundary (the current run's step finishes; the round is not waited for). */
  async pause(): Promise<void> {
    if (this.phase !== 'running') return;
    this.want = 'pause';
    await this.loop;
    if (this.want !== 'pause') return; // a reset took over
    this.want = null;
    this.flush(true);
    if (this.phase === 'running') this.status('paused', '');
  }

  /** While paused: one step of every run (or of the runs a pause left one step behind). */
  async stepOnce(): Promise<void> {
    if (this.phase !== 'paused') throw new Error(this.runner ? 'single steps work while paused' : 'start an experiment first');
    const more = await this.round();
    this.flush(true);
    const stops = this.newStops();
    if (stops.length) await this.stopOnNonFinite(stops);
    else if (!more) await this.finish().catch((e) => (e instanceof Cancelled ? undefined : this.status('failed', messageOf(e))));
    else if (this.want === null) this.status('paused', '');
  }

  private async finish(): Promise<void> {
    const runner = this.runner!;
    this.flush(true);
    this.status('finishing', 'sampling images, judging quality and writing the report');
    await this.exclusive(async () => {
      const log = (s: string) => {
        if (this.want === 'stop') throw new Cancelled('cancelled');
        this.status('finishing', s);
      };
      const corpus = await pretrainingCorpus(readPublicData);
      const fin = await finishExperiment(runner, { cfg: this.cfg!, data: this.data!, images: this.images!, lm: this.lm!, vq: this.vq!, corpus, encodePng: pngDataUrlBrowser, log, startedAt: this.t0 }, this.records, { backend: tf.getBackend(), meanCaptionTokens: this.meanCaption, generator: 'the Tabula Rasa playground' });
      const finished = { report: fin.report, html: fin.html, analysis: fin.analysis, quality: fin.quality, imageLossByPosition: fin.imageLossByPosition };
      void this.saver.write('report', 'the report', () => saveFinished(this.runId, finished));
      this.post({ type: 'finished', id: null, finished });
    });
    this.status('done', 'the report is ready');
  }

  /** Caption → image for each arm (seed 0); live samples use the first validation captions. */
  private async samplesFor(captions: string[], ids: number[][], real: boolean, custom: boolean, temperature: number, seed: number, models?: ReadonlyMap<Run, GPT>, step = this.step()): Promise<SampleSet> {
    const size = this.images!.size;
    const rows: SampleSet['rows'] = [];
    if (real) rows.push({ name: 'real', pictures: toPictures(this.images!.val, size, captions.length) });
    for (const run of this.runner!.runs.filter((r) => r.seed === 0 && !r.arm.imageOnly && !r.stopped)) {
      const { pixels } = await sampleImages(models?.get(run) ?? run.model, this.vq!, run.spec, ids, { temperature, topK: 0, seed });
      rows.push({ name: run.arm.name, pictures: toPictures(pixels, size, ids.length) });
    }
    return { step, captions, rows, custom };
  }

  private async liveSamples(models?: ReadonlyMap<Run, GPT>, step?: number): Promise<void> {
    this.samplesDue = false;
    const n = Math.min(LIVE_SAMPLES, this.data!.val.count);
    if (!n) return;
    const s = await this.samplesFor(this.data!.val.text.slice(0, n), this.data!.val.captions.slice(0, n), true, false, 1, 0, models, step);
    this.post({ type: 'samples', id: null, samples: s });
  }

  async sample(id: number, caption: string, count: number, temperature: number): Promise<void> {
    if (!this.runner || !this.tokenizer) throw new Error('start an experiment first: samples come from its arms');
    const text = caption.trim();
    if (!text) throw new Error('type a caption first');
    const ids = this.tokenizer.encode(text);
    const n = Math.max(1, Math.min(8, count));
    const s = await this.exclusive(() => this.samplesFor(Array(n).fill(text), Array(n).fill(ids), false, true, temperature, Date.now() % 100000));
    this.post({ type: 'samples', id, samples: s });
  }

  /** One run's current weights with the LM's tokenizer.json, as a GPT-2-layout checkpoint. */
  async export(cmd: Extract<WorkerCommand, { type: 'export' }>): Promise<void> {
    const run = this.runner?.runs.find((r) => r.arm.name === cmd.arm && r.seed === cmd.seed);
    if (!run) throw new Error(`no run ${cmd.arm} seed ${cmd.seed} in this experiment`);
    const files = await this.exclusive(async () => saveRunWeights(run, this.data!.plan, new TextDecoder().decode(this.tokenizerFile())));
    this.post({ type: 'export', id: cmd.id, name: `${run.arm.name}-s${run.seed}-step${run.step}`, files: [...files] });
  }

  /** A fault drill: make the first running run's weights NaN, as a diverging step would (its next step stops it). */
  async injectNaN(): Promise<void> {
    const run = this.runner?.runs.find((r) => !r.stopped);
    if (!run || !['running', 'paused'].includes(this.phase)) throw new Error('start an experiment first: the NaN goes into one of its runs');
    await this.exclusive(async () => {
      const w = run.model.params.get('transformer.ln_f.weight')!;
      run.model.assign('transformer.ln_f.weight', new Float32Array(w.size).fill(NaN));
    });
  }

  setLogEvery(n: number): void {
    this.logEvery = Math.max(1, Math.floor(n));
  }

  /** Stop (at the next step boundary, or the next check while preparing or finishing) and free the experiment. */
  async reset(): Promise<void> {
    this.generation++;
    this.want = 'stop';
    await this.loop;
    await this.lock;
    await this.saver.idle();
    this.free();
    this.want = null;
    this.status('idle', '');
  }

  private free(): void {
    this.stepZero?.dispose();
    this.stepZero = null;
    this.runner?.dispose();
    this.lm?.dispose();
    this.vq?.dispose();
    this.runner = this.lm = this.vq = this.tokenizer = this.data = this.images = null;
    this.tokenizerJson = null;
    this.records = [];
    this.saver.clear();
    this.stepMs = this.evalMs = this.tokensPerSecond = this.meanCaption = null;
    this.progress = null;
    this.loop = null;
    this.samplesDue = false;
    this.reportedStops.clear();
  }
}
