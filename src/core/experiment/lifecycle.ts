/**
 * The experiment's one lifecycle, shared by `npm run replicate`, `npm run export` (its preparation) and the page's
 * worker: prepare (data → codes and ids, the --tokens budget: lifecycle-inputs.ts), the optional LR sweep, the runs (fresh, or resumed),
 * rounds of training with evaluation on schedule, checkpoints, and the finish (samples, quality, analysis, report).
 * It is driven one round at a time, so the page can pause, step or reset at a round's boundary and the CLI can stop
 * at a step; everything that lets a stopped experiment continue goes through an ExperimentStore (store.ts).
 *
 * Resume has one meaning: continue a stopped experiment from its store — the sweep it ran, each run's last
 * checkpoint (replaying its batch order, resume.ts) and the records logged up to that checkpoint; what came after is
 * redone, so a resumed experiment logs exactly the records of an uninterrupted one (tests/unit/lifecycle.test.ts).
 */
import type { GPT } from '../nn/gpt';
import { CheckpointSchedule, finiteWeights, runKey } from './checkpoints';
import type { ExperimentConfig } from './config';
import type { FinishCache } from './finish-cache';
import { finishExperiment, type Finished, type PngEncoder } from './finish';
import { sweepSection } from './html';
import { applyTokenBudget, prepareData, type ExperimentInputs } from './lifecycle-inputs';
import { pretrainingCorpus, type PrepareOptions, type Prepared } from './prepare';
import { restoreRun, saveRun } from './resume';
import { recordsToResume, restoredSteps } from './resume-records';
import { ExperimentRunner, type MetricRecord, type Run } from './runner';
import { StepZero } from './step-zero';
import type { ExperimentStore, RunFlags } from './store';
import type { SweepResult } from './sweep';
import { runPlannedSweep, type SweepPlan } from './sweep-plan';

export type { SweepPlan };

export interface LifecycleOptions {
  store: ExperimentStore;
  /** Continue what the store holds (its sweep, checkpoints and records); false starts afresh over an empty log. */
  resume: boolean;
  /** Lines for the person watching (preparation, sweep, resume, finishing). */
  log?: (s: string) => void;
  /** Counts images turned into codes; it may throw to cancel (PrepareOptions). */
  progress?: PrepareOptions['progress'];
  /** The flags that define the experiment, saved in the store once the runs exist (compared on a resume by the driver). */
  flags?: RunFlags;
  /** Data a previous preparation of this experiment made (the page keeps it), so preparing is skipped. */
  prepared?: Prepared | null;
  /**
   * When the untrained models are evaluated (the curves' step-0 point): 'before' the first round (the CLI), or
   * 'after-first-round' on snapshots taken before it, so it does not hold the first training point (the page).
   * Both give the same records (tests/unit/play-prep.test.ts).
   */
  stepZero?: 'before' | 'after-first-round';
  /** Timed checkpoints besides the runner's by step (checkpoints.ts): the page's. */
  timedCheckpoints?: boolean;
  /** Messages of the runner (a run stopped by NaN/Inf); `log` when absent. */
  runnerLog?: (s: string) => void;
  /** Told each batch of records as it is kept (the CLI prints the evaluations). */
  onRecords?: (records: MetricRecord[]) => void;
}

/** What a round may be told: whether to read a run's numbers back at a step, and which runs take a step now. */
export interface RoundOptions {
  /** Stop short of cfg.steps (the CLI's --stop-at); runs at `end` do not step. */
  end?: number;
  /** Read a run's training numbers back at `step` (checkpoint and evaluation steps always are). */
  read?: (step: number) => boolean;
  /** Asked just before each run steps; false leaves it out of this round (the page's pause at a step boundary). */
  take?: (run: Run) => boolean;
  /** Told what is being saved (for a status line), then null when done. */
  say?: (what: string | null) => void;
  /** Called just before the untrained snapshots are evaluated (after the first round, with stepZero 'after-first-round'). */
  beforeStepZero?: () => void;
  /** Called with the untrained snapshots before they are freed (the page's step-0 samples). */
  onStepZero?: (records: MetricRecord[], models: ReadonlyMap<Run, GPT>) => Promise<void>;
}

export type LifecyclePhase = 'new' | 'prepared' | 'finished';

export class Experiment {
  readonly cfg: ExperimentConfig;
  phase: LifecyclePhase = 'new';
  prepared: Prepared | null = null;
  runner: ExperimentRunner | null = null;
  /** Every record of the experiment so far (a resumed one's kept records first), in the order logged. */
  readonly records: MetricRecord[] = [];
  /** The sweep this experiment ran (or resumed with), else null. */
  sweep: SweepResult | null;
  /** Runs put back from their checkpoints by prepare. */
  restored: Run[] = [];
  readonly checkpoints: CheckpointSchedule;
  /** Wall time of the LR sweep this process ran (ms; 0 when none ran or the store's was kept). */
  sweepMs = 0;
  /** Wall time of the last round's training steps and evaluations (ms; step 0 and checkpoints not counted). */
  lastStepRoundMs = 0;
  private stepZeroSnapshots: StepZero | null = null;
  private stepZeroDone = false;
  private readonly log: (s: string) => void;

  constructor(
    readonly inputs: ExperimentInputs,
    readonly opts: LifecycleOptions,
  ) {
    this.cfg = { ...inputs.cfg, lrByArm: { ...inputs.cfg.lrByArm } };
    this.sweep = inputs.recordedSweep ?? null;
    this.log = opts.log ?? (() => {});
    this.checkpoints = new CheckpointSchedule(opts.timedCheckpoints ?? false);
  }

  get store(): ExperimentStore {
    return this.opts.store;
  }

  /** The runner, once prepared (throws before). */
  private get ready(): ExperimentRunner {
    if (!this.runner) throw new Error('prepare the experiment first');
    return this.runner;
  }

  /**
   * Prepare the data (or take `opts.prepared`), run the LR sweep when asked (or, resuming, take the store's), build the
   * runs, and — resuming — put back each run's checkpoint and keep the store's records up to it; a fresh experiment
   * starts an empty record log. Saves `opts.flags`. Throws CheckpointError for a damaged checkpoint.
   */
  async prepare(): Promise<void> {
    if (this.phase !== 'new') throw new Error('the experiment is prepared already');
    const { cfg, inputs, store } = this;
    if (this.opts.prepared) {
      this.prepared = this.opts.prepared;
      applyTokenBudget(cfg, this.prepared, inputs.tokens ?? null, this.log);
    } else
      this.prepared = await prepareData(
        inputs,
        cfg,
        this.log,
        this.opts.progress ? { progress: this.opts.progress } : {},
      );
    const { data, alignedRows } = this.prepared;
    if (inputs.sweep) await this.runSweep(inputs.sweep);
    const saved = this.opts.resume ? await store.readRecords() : null;
    const runner = new ExperimentRunner(
      cfg,
      data,
      inputs.lm,
      { log: this.opts.runnerLog ?? this.log, onCheckpoint: (run) => this.checkpoints.markDue(run) },
      alignedRows,
    );
    this.runner = runner;
    try {
      if (saved) {
        for (const run of runner.runs) {
          const c = await store.getCheckpoint(run.arm.name, run.seed);
          if (!c) continue;
          await restoreRun(runner, c.files, c.label);
          this.restored.push(run);
          this.log(`resumed ${run.arm.name} seed ${run.seed} at step ${run.step}${c.note ? ` (${c.note})` : ''}`);
        }
      }
      // One at a time: a resumed run's records run to hundreds of thousands, past the engine's argument limit for a
      // spread (push(...xs) threw "Maximum call stack size exceeded" finishing 10 runs × 1,800 steps).
      for (const r of recordsToResume(saved ?? [], restoredSteps(runner))) this.records.push(r);
      if (this.opts.flags) await store.putFlags(this.opts.flags);
      await store.replaceRecords(this.records);
    } catch (e) {
      this.dispose();
      throw e;
    }
    if (this.opts.stepZero === 'after-first-round') this.stepZeroSnapshots = StepZero.take(runner);
    this.checkpoints.started(runner.runs, this.restored);
    this.phase = 'prepared';
  }

  private async runSweep(plan: SweepPlan): Promise<void> {
    const { cfg, store } = this;
    const kept = this.opts.resume ? await store.getSweep() : null;
    if (kept) {
      this.sweep = kept;
      this.log(`--resume keeps the recorded sweep's rates (${store.label}/sweep.json)`);
    } else {
      const t = performance.now();
      const { data, alignedRows } = this.prepared!;
      // The sweep's seeds are the same whatever --first-seed a class seat or a job runs (its rates then agree).
      this.sweep = await runPlannedSweep(
        plan,
        { ...cfg, firstSeed: 0 },
        data,
        this.inputs.images,
        this.inputs.lm,
        alignedRows,
        this.log,
      );
      this.sweepMs = performance.now() - t;
      await store.putSweep(this.sweep);
      this.log(
        `sweep chose ${Object.entries(this.sweep.best)
          .map(([arm, lr]) => `${arm} ${lr}`)
          .join(', ')} (→ ${store.label}/sweep.json)`,
      );
    }
    cfg.lrByArm = { ...this.sweep.best };
  }

  /** The furthest step any run has reached (0 before the runs exist). */
  get step(): number {
    return this.runner ? Math.max(0, ...this.runner.runs.map((r) => r.step)) : 0;
  }

  /** True while some run can still step before `end` (cfg.steps by default). */
  active(end = this.cfg.steps): boolean {
    return this.ready.active(end);
  }

  /** Keep records: in the experiment's list and appended to the store, in order. */
  private async keep(records: MetricRecord[]): Promise<void> {
    if (!records.length) return;
    for (const r of records) this.records.push(r);
    await this.store.appendRecords(records);
    this.opts.onRecords?.(records);
  }

  /**
   * One round: (first, with stepZero 'before', the step-0 evaluation of every run still at step 0) one step of each
   * run short of `o.end` that `o.take` lets through, evaluations on schedule; the records are kept, then the
   * checkpoints due are saved behind them, so a saved checkpoint's records are always in the store. With stepZero
   * 'after-first-round', the snapshots are evaluated after the first round. Returns this round's records in order.
   */
  async round(o: RoundOptions = {}): Promise<MetricRecord[]> {
    const runner = this.ready;
    const out: MetricRecord[] = [];
    if (!this.stepZeroDone && this.opts.stepZero !== 'after-first-round') {
      this.stepZeroDone = true;
      for (const run of runner.runs) {
        if (run.step !== 0) continue;
        const recs = await runner.evalRun(run);
        await this.keep(recs);
        out.push(...recs);
      }
    }
    const t = performance.now();
    const recs = await runner.stepRound(Math.min(o.end ?? this.cfg.steps, this.cfg.steps), o.read, o.take);
    this.lastStepRoundMs = performance.now() - t;
    await this.keep(recs);
    out.push(...recs);
    if (this.stepZeroSnapshots) {
      const zero = this.stepZeroSnapshots;
      this.stepZeroSnapshots = null;
      try {
        if (zero.pending) {
          o.beforeStepZero?.();
          const zeroRecs = await zero.evaluate(runner);
          await this.keep(zeroRecs);
          out.push(...zeroRecs);
          await o.onStepZero?.(zeroRecs, zero.models);
        }
      } finally {
        zero.dispose();
      }
    }
    await this.saveDue(o.say);
    return out;
  }

  /** The checkpoints due after a round (by step, and a timed one where on), each awaited. */
  private async saveDue(say: (what: string | null) => void = () => {}): Promise<void> {
    const due = this.checkpoints.takeDue(this.ready.runs);
    if (!due.length) return;
    const t = performance.now();
    for (const run of due) {
      say(`saving the checkpoint of ${run.arm.name} seed ${run.seed} at step ${run.step}`);
      const t1 = performance.now();
      await this.checkpoint(run);
      this.checkpoints.timedSave(performance.now() - t1);
    }
    this.checkpoints.savingMs += performance.now() - t;
    say(null);
  }

  /**
   * Save a run's resumable state now (resume.ts files) and wait for the store (`checkpoints.savedStep` counts it once
   * the store kept it). Weights that are not finite are never saved: the run is marked stopped instead, and its last
   * good checkpoint stays.
   */
  async checkpoint(run: Run): Promise<void> {
    this.checkpoints.attempted(run);
    if (!finiteWeights(run)) {
      run.stopped ??= `arm ${run.arm.name}, seed ${run.seed}: its weights are no longer finite at step ${run.step}`;
      return;
    }
    const step = run.step;
    if (
      await this.store.putCheckpoint(
        run.arm.name,
        run.seed,
        step,
        saveRun(run, this.prepared!.data.plan, this.inputs.tokenizer.toTokenizerJson()),
      )
    )
      this.checkpoints.savedStep.set(runKey(run), step);
  }

  /** Rounds until no run can step before `end` (cfg.steps by default): the CLI's run, or its --stop-at. */
  async runTo(end = this.cfg.steps, o: Omit<RoundOptions, 'end'> = {}): Promise<void> {
    while (this.active(end) || (!this.stepZeroDone && this.opts.stepZero !== 'after-first-round'))
      await this.round({ ...o, end });
  }

  /**
   * The finish: samples, quality, analysis and the report over every record (finish.ts), kept in the store. A run
   * resumed at its last step is evaluated again first, for the heatmap (its records are not added twice).
   * `meta` is what only the driver knows (backend, command …); the sweep's summary goes first. `startedAt` is the
   * performance.now() the experiment began at (the report's seconds).
   */
  async finish(o: {
    encodePng: PngEncoder;
    meta: Record<string, unknown>;
    startedAt: number;
    log?: (s: string) => void;
    /** The caption analysis's cache (analysis-cache.ts); absent: computed every time. */
    finishCache?: FinishCache;
    onPhase?: (phase: 'finishEvaluation' | 'samples' | 'quality' | 'analysis' | 'report') => void;
  }): Promise<Finished> {
    const runner = this.ready;
    const { cfg, inputs, sweep } = this;
    // A run restored at its last step has no evaluation in memory: evaluate it again for the per-position heatmap
    // (the same numbers as its logged evaluation; no records are added).
    o.onPhase?.('finishEvaluation');
    for (const run of runner.runs) if (!run.stopped && !run.lastEval) await runner.evalRun(run);
    const corpus = await pretrainingCorpus(inputs.readData);
    const meta = { ...(sweep ? { sweep } : {}), ...o.meta };
    const ctx = {
      cfg,
      data: this.prepared!.data,
      images: inputs.images,
      lm: inputs.lm,
      vq: inputs.vq,
      corpus,
      encodePng: o.encodePng,
      log: o.log ?? this.log,
      startedAt: o.startedAt,
      sections: sweep ? [sweepSection(sweep)] : [],
      onPhase: o.onPhase,
      finishCache: o.finishCache,
    };
    const fin = await finishExperiment(runner, ctx, this.records, meta);
    await this.store.putFinished(fin, this.records);
    this.phase = 'finished';
    return fin;
  }

  /** Free the runs and any step-0 snapshots (the LM and VQ tokenizer are the driver's). */
  dispose(): void {
    this.stepZeroSnapshots?.dispose();
    this.stepZeroSnapshots = null;
    this.runner?.dispose();
    this.runner = null;
  }
}
