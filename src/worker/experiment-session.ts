/**
 * One experiment in the worker: prepare (LM, tokenizer, VQ, data → codes, shipped or cached: worker/codes.ts), then
 * step every arm × seed round by round while the page lets it, streaming batched metrics, status, checkpoints,
 * heatmaps and live samples; at the end the core's finishing (samples, quality, analysis, report). The untrained
 * models' evaluation (the curves' step-0 point) runs right after the first round, on snapshots taken before it, so
 * it does not hold the first training point. Device work is serialised through one lock, so a sample or an
 * export asked for mid-run waits for the round in flight. Pause stops after the current round.
 */
import * as tf from '@tensorflow/tfjs';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { memorySource, type FileSource } from '../core/checkpoint/source';
import { loadVQWithKey } from '../core/data/codes';
import type { ExperimentConfig } from '../core/experiment/config';
import { finishExperiment, lossByPosition } from '../core/experiment/finish';
import { prepareExperiment, pretrainingCorpus, type ImageSplits } from '../core/experiment/prepare';
import { restoreRun, saveRun, saveRunWeights } from '../core/experiment/resume';
import { recordsToResume, restoredSteps } from '../core/experiment/resume-records';
import { ExperimentRunner, type MetricRecord, type Run } from '../core/experiment/runner';
import { sampleImages } from '../core/experiment/samples';
import { StepZero } from '../core/experiment/step-zero';
import type { ExperimentData } from '../core/experiment/data';
import type { GPT } from '../core/nn/gpt';
import type { VQVAE } from '../core/nn/vqvae';
import type { BPETokenizer } from '../core/tokenize/bpe';
import { pngDataUrlBrowser, readPublicData, shippedModel, toPictures } from './browser-io';
import { splitsFor } from './datasets';
import { codeTableFor } from './codes';
import { appendMetrics, loadCheckpoint, loadMetrics, replaceMetrics, saveCheckpoint, saveFinished } from './persist';
import type { LmSpec, RunPhase, RunStatus, SampleSet, WorkerCommand, WorkerEvent } from './protocol';

type Start = Extract<WorkerCommand, { type: 'start' }>;
const FLUSH_MS = 250;
const LIVE_SAMPLES = 4;

export class ExperimentSession {
  private phase: RunPhase = 'idle';
  private message = '';
  private runner: ExperimentRunner | null = null;
  /** Snapshots of the untrained models, evaluated as step 0 after the first round. */
  private stepZero: StepZero | null = null;
  private lm: GPT | null = null;
  private vq: VQVAE | null = null;
  private tokenizer: BPETokenizer | null = null;
  private data: ExperimentData | null = null;
  private images: ImageSplits | null = null;
  private cfg: ExperimentConfig | null = null;
  private meanCaption: number | null = null;
  private records: MetricRecord[] = [];
  private pending: MetricRecord[] = [];
  private lastFlush = 0;
  private roundMs: number | null = null;
  private tokensPerSecond: number | null = null;
  private logEvery = 1;
  private lock: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private t0 = 0;
  private runId = '';
  /** IndexedDB writes, in order; a failure is reported and training goes on. */
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly post: (e: WorkerEvent) => void) {}

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
    const s: RunStatus = { phase, message, step: this.step(), steps: this.cfg?.steps ?? 0, runs: this.runner?.runs.length ?? 0, roundMs: this.roundMs, tokensPerSecond: this.tokensPerSecond, numTensors: mem.numTensors, numBytes: mem.numBytes };
    this.post({ type: 'status', id: null, status: s });
  }

  private save(what: string, write: () => Promise<void>): Promise<void> {
    this.saving = this.saving.then(write).catch((e: Error) => this.post({ type: 'error', id: null, message: `could not save ${what} in this browser (${e.message}); training goes on, but a reload will not restore it` }));
    return this.saving;
  }

  private flush(force = false): void {
    if (!this.pending.length || (!force && performance.now() - this.lastFlush < FLUSH_MS)) return;
    const batch = this.pending;
    void this.save('metrics', () => appendMetrics(this.runId, batch));
    this.post({ type: 'metrics', id: null, records: batch });
    this.pending = [];
    this.lastFlush = performance.now();
  }

  private lmSource(spec: LmSpec): FileSource {
    return spec.kind === 'shipped' ? shippedModel('lm-austen') : memorySource(spec.name, new Map(spec.files));
  }

  async start(cmd: Start): Promise<void> {
    if (this.phase !== 'idle') await this.reset();
    const cfg = cmd.config;
    this.cfg = cfg;
    this.logEvery = Math.max(1, cmd.logEvery);
    this.runId = cmd.runId;
    this.t0 = performance.now();
    this.status('preparing', 'loading the pre-trained LM and the VQ tokenizer');
    try {
      await this.exclusive(async () => {
        const src = this.lmSource(cmd.lm);
        this.lm = (await loadGPT2(src, 'playground-lm')).model;
        this.tokenizer = await checkpointTokenizer(src);
        const vq = await loadVQWithKey(shippedModel('vq-twemoji32'), 'playground-vq');
        this.vq = vq.model;
        this.status('preparing', 'loading images and their tokens');
        this.images = await splitsFor(cmd.dataset, cfg);
        const codes = await codeTableFor(cmd.dataset, this.images, this.vq, vq.key, (s) => this.status('preparing', s));
        const prep = await prepareExperiment(cfg, this.images, this.lm, this.tokenizer, this.vq, readPublicData, (s) => this.status('preparing', s), { codes });
        this.data = prep.data;
        this.meanCaption = prep.meanCaption;
        this.status('preparing', 'building the arms');
        this.runner = new ExperimentRunner(cfg, prep.data, this.lm, { onCheckpoint: (run) => this.checkpoint(run) }, prep.alignedRows);
        if (cmd.resume) {
          for (const run of this.runner.runs) {
            const saved = await loadCheckpoint(this.runId, run.arm.name, run.seed);
            if (!saved) continue;
            await restoreRun(this.runner, new Map(saved.files), `${saved.arm}-s${saved.seed}`);
            this.status('preparing', `resumed ${run.arm.name} seed ${run.seed} at step ${run.step}`);
          }
          // Keep each run's records up to its checkpoint; what came after is redone.
          this.records = recordsToResume(await loadMetrics(this.runId), restoredSteps(this.runner));
          await replaceMetrics(this.runId, this.records);
          this.post({ type: 'records', id: null, records: this.records });
        }
        this.stepZero = StepZero.take(this.runner);
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await this.reset();
      this.status('failed', message);
      throw e;
    }
    if (cmd.paused) this.status('paused', 'ready: press play');
    else this.play();
  }

  /** The first round is out: now the untrained models' evaluation and samples, as step 0. */
  private async evalStepZero(): Promise<void> {
    const zero = this.stepZero!;
    this.stepZero = null;
    try {
      if (!zero.pending) return;
      this.flush(true);
      this.status(this.phase, 'evaluating the untrained models (step 0)');
      const fresh = await zero.evaluate(this.runner!);
      this.records.push(...fresh);
      this.pending.push(...fresh);
      this.flush(true);
      this.postHeatmap();
      await this.liveSamples(zero.models, 0);
      this.status(this.phase, this.phase === 'running' ? 'training' : 'paused');
    } finally {
      zero.dispose();
    }
  }

  private checkpoint(run: Run): Promise<void> {
    const c = { arm: run.arm.name, seed: run.seed, step: run.step, files: [...saveRun(run, this.data!.plan)] };
    return this.save(`the checkpoint of ${c.arm} seed ${c.seed}`, async () => {
      await saveCheckpoint(this.runId, c);
      this.post({ type: 'checkpoint', id: null, arm: c.arm, seed: c.seed, step: c.step });
    });
  }

  private postHeatmap(): void {
    if (this.runner) this.post({ type: 'heatmap', id: null, step: this.step(), byArm: lossByPosition(this.runner) });
  }

  /** One round of every run; returns false when there is nothing left to do. */
  private async round(): Promise<boolean> {
    return this.exclusive(async () => {
      const runner = this.runner;
      if (!runner || !runner.active()) return false;
      const t = performance.now();
      const tokensBefore = runner.runs.reduce((s, r) => s + r.tokens, 0);
      const recs = await runner.stepRound(runner.cfg.steps, (step) => step % this.logEvery === 0);
      const ms = performance.now() - t;
      this.roundMs = this.roundMs === null ? ms : 0.8 * this.roundMs + 0.2 * ms;
      const tokens = runner.runs.reduce((s, r) => s + r.tokens, 0) - tokensBefore;
      this.tokensPerSecond = tokens / (ms / 1000);
      this.records.push(...recs);
      this.pending.push(...recs);
      if (this.stepZero) await this.evalStepZero();
      if (recs.some((r) => r.metric.startsWith('val/'))) {
        this.flush(true);
        this.postHeatmap();
        await this.liveSamples();
      }
      this.flush();
      return runner.active();
    });
  }

  play(): void {
    if (!this.runner || this.phase === 'running' || this.phase === 'finishing' || this.phase === 'done') return;
    this.status('running', 'training');
    this.loop = (async () => {
      try {
        while (this.phase === 'running') {
          const more = await this.round();
          this.status();
          if (!more) {
            await this.finish();
            break;
          }
          await new Promise((r) => setTimeout(r, 0)); // let pause/step/sample messages in
        }
      } catch (e) {
        this.flush(true);
        this.status('failed', e instanceof Error ? e.message : String(e));
      }
    })();
  }

  async pause(): Promise<void> {
    if (this.phase !== 'running') return;
    this.phase = 'paused';
    await this.loop;
    this.flush(true);
    this.status('paused', 'paused');
  }

  async stepOnce(): Promise<void> {
    if (this.phase !== 'paused') throw new Error(this.runner ? 'single steps work while paused' : 'start an experiment first');
    const more = await this.round();
    this.flush(true);
    if (!more) await this.finish();
    else this.status('paused', 'paused');
  }

  private async finish(): Promise<void> {
    const runner = this.runner!;
    this.flush(true);
    this.status('finishing', 'sampling images, judging quality and writing the report');
    await this.exclusive(async () => {
      const corpus = await pretrainingCorpus(readPublicData);
      const fin = await finishExperiment(runner, { cfg: this.cfg!, data: this.data!, images: this.images!, lm: this.lm!, vq: this.vq!, corpus, encodePng: pngDataUrlBrowser, log: (s) => this.status('finishing', s), startedAt: this.t0 }, this.records, { backend: tf.getBackend(), meanCaptionTokens: this.meanCaption, generator: 'the Tabula Rasa playground' });
      const finished = { report: fin.report, html: fin.html, analysis: fin.analysis, quality: fin.quality, imageLossByPosition: fin.imageLossByPosition };
      await this.save('the report', () => saveFinished(this.runId, finished));
      this.post({ type: 'finished', id: null, finished });
    });
    this.status('done', 'finished: the report is ready');
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

  async export(cmd: Extract<WorkerCommand, { type: 'export' }>): Promise<void> {
    const run = this.runner?.runs.find((r) => r.arm.name === cmd.arm && r.seed === cmd.seed);
    if (!run) throw new Error(`no run ${cmd.arm} seed ${cmd.seed} in this experiment`);
    const files = await this.exclusive(async () => saveRunWeights(run, this.data!.plan));
    this.post({ type: 'export', id: cmd.id, name: `${run.arm.name}-s${run.seed}-step${run.step}`, files: [...files] });
  }

  setLogEvery(n: number): void {
    this.logEvery = Math.max(1, Math.floor(n));
  }

  async reset(): Promise<void> {
    if (this.phase === 'running') this.phase = 'paused';
    await this.loop;
    await this.lock;
    await this.saving;
    this.stepZero?.dispose();
    this.stepZero = null;
    this.runner?.dispose();
    this.lm?.dispose();
    this.vq?.dispose();
    this.runner = this.lm = this.vq = this.tokenizer = this.data = this.images = null;
    this.records = [];
    this.pending = [];
    this.roundMs = this.tokensPerSecond = this.meanCaption = null;
    this.loop = null;
    this.status('idle', '');
  }
}
