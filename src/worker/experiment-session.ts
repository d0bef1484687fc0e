/**
 * One experiment in the worker: a driver of the core's lifecycle (core/experiment/lifecycle.ts) over IndexedDB
 * (browser-store.ts). It prepares (session-prepare.ts: the inputs, session-inputs.ts; codes shipped or cached, codes.ts;
 * the prepared data kept so a resume skips preparing), then steps the lifecycle a round at a time while the page lets
 * it, posting batched metrics, status (session-status.ts), checkpoints, heatmaps and live samples (session-samples.ts),
 * and at the end the lifecycle's finish (session-finish.ts). The step-0 evaluation runs after the first round on
 * snapshots taken before it, so it does not hold the first training point.
 * Device work is serialised through one lock (a sample or export asked for mid-run waits for the step in flight);
 * pause, step and reset act at the next step boundary. Checkpoints come by step and, one run per round, by time
 * (core/experiment/checkpoints.ts); the status line names the one being saved and the ETA counts saving. A NaN/Inf
 * loss stops the experiment with each run's last good checkpoint kept, ready to resume. Saving never stops training.
 */
import { cleanText, isEmptyText } from '../core/data/text';
import type { ExperimentConfig } from '../core/experiment/config';
import { runKey as key } from '../core/experiment/checkpoints';
import { lossByPosition } from '../core/experiment/finish';
import type { Experiment } from '../core/experiment/lifecycle';
import type { MemoryLimit } from '../core/experiment/memory';
import type { ImageSplits } from '../core/experiment/prepare';
import { saveRunWeights } from '../core/experiment/resume';
import type { MetricRecord, Run } from '../core/experiment/runner';
import type { GPT } from '../core/nn/gpt';
import type { VQVAE } from '../core/nn/vqvae';
import type { TextTokenizer } from '../core/tokenize/hf';
import type { BrowserStore } from './browser-store';
import { finishSession } from './session-finish';
import { prepareSession, type Start } from './session-prepare';
import { captionSampleSet, liveSampleSet } from './session-samples';
import { runTotals, SessionSpeed } from './session-status';
import type { RunPhase, RunStatus, WorkerCommand, WorkerEvent } from './protocol';
import { SaveQueue } from './save-queue';

/** Metrics are posted to the page at most this often (ms) unless forced. */
const POST_MS = 250;

/** Preparation or finishing was stopped by a reset (not an error to show). */
class Cancelled extends Error {}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class ExperimentSession {
  private phase: RunPhase = 'idle';
  private message = '';
  private progress: RunStatus['progress'] = null;
  private exp: Experiment | null = null;
  private store: BrowserStore | null = null;
  private lm: GPT | null = null;
  private vq: VQVAE | null = null;
  private tokenizer: TextTokenizer | null = null;
  private tokenizerJson: string | null = null;
  private images: ImageSplits | null = null;
  private cfg: ExperimentConfig | null = null;
  /** Records kept by the lifecycle and not yet posted to the page. */
  private unposted: MetricRecord[] = [];
  private lastPost = 0;
  private readonly speed = new SessionSpeed();
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
  private readonly saves: SaveQueue;

  constructor(
    private readonly post: (e: WorkerEvent) => void,
    /** What this backend can hold (null: unknown), for refusing a setup too big before allocating it. */
    private readonly memoryLimit: () => MemoryLimit | null = () => null,
  ) {
    this.saves = new SaveQueue((message) => this.post({ type: 'error', id: null, scope: 'storage', message }));
  }

  /** Run device work after whatever holds the lock. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  private get runs(): Run[] {
    return this.exp?.runner?.runs ?? [];
  }

  private status(phase: RunPhase = this.phase, message = this.message): void {
    this.phase = phase;
    this.message = message;
    this.post({
      type: 'status',
      id: null,
      status: this.speed.status(phase, message, this.progress, this.exp, this.cfg),
    });
  }

  /** Post the records not yet posted to the page (at most every POST_MS unless forced) and queue their write. */
  private flush(force = false): void {
    if (!this.unposted.length || (!force && performance.now() - this.lastPost < POST_MS)) return;
    const batch = this.unposted;
    this.unposted = [];
    this.lastPost = performance.now();
    this.post({ type: 'metrics', id: null, records: batch });
    this.store?.flush();
  }

  async start(cmd: Start): Promise<void> {
    if (this.phase !== 'idle') await this.reset();
    const gen = ++this.generation;
    this.want = null;
    this.cfg = cmd.config;
    this.logEvery = Math.max(1, cmd.logEvery);
    this.runId = cmd.runId;
    this.t0 = performance.now();
    try {
      await this.exclusive(() => this.prepare(cmd));
    } catch (e) {
      if (gen !== this.generation) return; // a reset took over and cleans up
      this.free();
      this.status(
        e instanceof Cancelled ? 'idle' : 'failed',
        e instanceof Cancelled ? 'preparation cancelled' : messageOf(e),
      );
      return;
    }
    // A reset that came while the last stage ran (after its last cancel check) owns the clean-up: never train on
    // what it is freeing.
    if (gen !== this.generation) return;
    if (cmd.paused) this.status('paused', 'ready: press play');
    else this.play();
  }

  private async prepare(cmd: Start): Promise<void> {
    await prepareSession(cmd, this.runId, {
      stage: (what, done = 0, total = 0) => {
        if (this.want === 'stop') throw new Cancelled('cancelled');
        this.progress = total ? { what, done, total } : null;
        this.status('preparing', what);
      },
      post: this.post,
      saves: this.saves,
      memoryLimit: this.memoryLimit(),
      tokenizerFile: () => this.tokenizerFile(),
      onRecords: (recs) => this.unposted.push(...recs),
      holdInputs: (loaded) => {
        this.lm = loaded.lm;
        this.vq = loaded.vq;
        this.tokenizer = loaded.tokenizer;
        this.tokenizerJson = loaded.tokenizerJson;
        this.images = loaded.images;
      },
      holdStore: (store) => (this.store = store),
      holdExperiment: (exp) => (this.exp = exp),
    });
    this.speed.stepsTaken = 0;
    this.progress = null;
  }

  /** The LM's own tokenizer.json (or one written from its vocab.json + merges.txt), for exported weights. */
  private tokenizerFile(): Uint8Array {
    return new TextEncoder().encode(this.tokenizerJson ?? this.tokenizer!.toTokenizerJson());
  }

  private postHeatmap(): void {
    if (this.exp?.runner)
      this.post({ type: 'heatmap', id: null, step: this.exp.step, byArm: lossByPosition(this.exp.runner) });
  }

  /** One round: each run at the lowest step takes one step (a run left behind by a pause catches up first). */
  private async round(): Promise<boolean> {
    return this.exclusive(async () => {
      const exp = this.exp;
      const runner = exp?.runner;
      if (!exp || !runner || !runner.active()) return false;
      let extra = 0;
      const timed = async (fn: () => Promise<void>) => {
        const t = performance.now();
        await fn();
        extra += performance.now() - t;
      };
      if (this.samplesDue && this.want === null) await timed(() => this.liveSamples());
      const live = runner.runs.filter((r) => !r.stopped && r.step < runner.cfg.steps);
      const lo = Math.min(...live.map((r) => r.step));
      const before = runTotals(runner.runs);
      const message = this.message;
      let zeroAt = 0;
      const recs = await exp.round({
        read: (step) => step % this.logEvery === 0,
        take: (run) => this.want === null && run.step === lo,
        // The first round is out: now the untrained models' evaluation and samples, as step 0 (timed as an evaluation).
        beforeStepZero: () => {
          zeroAt = performance.now();
          this.flush(true);
          this.status(this.phase, 'evaluating the untrained models (step 0)');
        },
        onStepZero: async (_zero, models) => {
          this.flush(true);
          this.postHeatmap();
          await this.liveSamples(models, 0);
          this.speed.evaluated(performance.now() - zeroAt);
          this.status(this.phase, this.phase === 'running' ? 'training' : 'paused');
        },
        // A checkpoint is saved behind its step's metrics, which the page gets first.
        say: (what) => {
          if (what) this.flush(true);
          this.status(this.phase, what ?? message);
        },
      });
      const wall = exp.lastStepRoundMs;
      const trained = this.speed.trained(before, runTotals(runner.runs));
      const evaluation = recs.some((r) => r.metric.startsWith('val/') && r.step > 0);
      if (evaluation) {
        this.flush(true);
        this.postHeatmap();
        this.samplesDue = true;
        if (this.want === null) await timed(() => this.liveSamples());
      }
      this.speed.round(trained, wall, extra, evaluation);
      this.flush();
      return runner.active();
    });
  }

  /** Runs stopped by a non-finite loss since the last look. */
  private newStops(): Run[] {
    const stops = this.runs.filter((r) => r.stopped && !this.reportedStops.has(key(r)));
    for (const r of stops) this.reportedStops.add(key(r));
    return stops;
  }

  /** A run's loss became NaN/Inf: save the other runs, keep every last good checkpoint, and say how to resume. */
  private async stopOnNonFinite(stops: Run[]): Promise<void> {
    const exp = this.exp!;
    this.flush(true);
    for (const run of this.runs)
      if (!run.stopped && exp.checkpoints.savedStep.get(key(run)) !== run.step) await exp.checkpoint(run);
    await this.saves.idle();
    const lines = stops.map((r) => {
      const saved = exp.checkpoints.savedStep.get(key(r));
      // The runner's sentence up to its own note on checkpoints, which this one replaces with the step.
      return `${(r.stopped ?? '').split(';')[0]}. ${saved ? `Its last good checkpoint (step ${saved}) is kept.` : 'It had no checkpoint yet: resuming starts it over.'}`;
    });
    this.status('failed', `${lines.join(' ')} Training stopped; Resume continues every run from its last checkpoint.`);
  }

  play(): void {
    if (!this.exp?.runner || !['preparing', 'paused'].includes(this.phase)) return;
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
    if (this.phase !== 'paused')
      throw new Error(this.exp?.runner ? 'single steps work while paused' : 'start an experiment first');
    const more = await this.round();
    this.flush(true);
    const stops = this.newStops();
    if (stops.length) await this.stopOnNonFinite(stops);
    else if (!more)
      await this.finish().catch((e) => (e instanceof Cancelled ? undefined : this.status('failed', messageOf(e))));
    else if (this.want === null) this.status('paused', '');
  }

  private async finish(): Promise<void> {
    const exp = this.exp!;
    this.flush(true);
    this.status('finishing', 'sampling images, judging quality and writing the report');
    const log = (s: string) => {
      if (this.want === 'stop') throw new Cancelled('cancelled');
      this.status('finishing', s);
    };
    await this.exclusive(() => finishSession(exp, this.t0, log, this.post));
    this.status('done', 'the report is ready');
  }

  private async liveSamples(models?: ReadonlyMap<Run, GPT>, step = this.exp?.step ?? 0): Promise<void> {
    this.samplesDue = false;
    const s = await liveSampleSet(this.runs, this.vq!, this.images!, this.exp!.prepared!.data, step, models);
    if (s) this.post({ type: 'samples', id: null, samples: s });
  }

  async sample(id: number, caption: string, count: number, temperature: number): Promise<void> {
    if (!this.exp?.runner || !this.tokenizer) throw new Error('start an experiment first: samples come from its arms');
    const text = cleanText(caption);
    if (isEmptyText(text)) throw new Error('type a caption first');
    const ids = this.tokenizer.encode(text);
    const n = Math.max(1, Math.min(8, count));
    const s = await this.exclusive(() =>
      captionSampleSet(this.runs, this.vq!, this.images!, text, ids, n, temperature, this.exp?.step ?? 0),
    );
    this.post({ type: 'samples', id, samples: s });
  }

  /** One run's current weights with the LM's tokenizer.json, as a GPT-2-layout checkpoint. */
  async export(cmd: Extract<WorkerCommand, { type: 'export' }>): Promise<void> {
    const run = this.runs.find((r) => r.arm.name === cmd.arm && r.seed === cmd.seed);
    if (!run) throw new Error(`no run ${cmd.arm} seed ${cmd.seed} in this experiment`);
    const files = await this.exclusive(async () =>
      saveRunWeights(run, this.exp!.prepared!.data.plan, new TextDecoder().decode(this.tokenizerFile())),
    );
    this.post({ type: 'export', id: cmd.id, name: `${run.arm.name}-s${run.seed}-step${run.step}`, files: [...files] });
  }

  /** A fault drill: make the first running run's weights NaN, as a diverging step would (its next step stops it). */
  async injectNaN(): Promise<void> {
    const run = this.runs.find((r) => !r.stopped);
    if (!run || !['running', 'paused'].includes(this.phase))
      throw new Error('start an experiment first: the NaN goes into one of its runs');
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
    await this.saves.idle();
    this.free();
    this.want = null;
    this.status('idle', '');
  }

  private free(): void {
    this.exp?.dispose();
    this.store?.close();
    this.lm?.dispose();
    this.vq?.dispose();
    this.exp = this.store = this.lm = this.vq = this.tokenizer = this.images = null;
    this.tokenizerJson = null;
    this.unposted = [];
    this.speed.clear();
    this.progress = null;
    this.loop = null;
    this.samplesDue = false;
    this.reportedStops.clear();
  }
}
