/**
 * The step loop of the experiment: every arm × seed is an independent run, stepped in lockstep. All arms of a seed
 * share the new-row initialisation and the exact batch order. Each step logs train/loss, train/text_loss and
 * train/image_loss from one forward pass (plus optimiser, speed and memory figures); on isEvalStep's schedule each run
 * is evaluated on held-out captions, images and English. A NaN/Inf loss stops that run, naming its step, and keeps
 * its last good checkpoint. Runs save and restore resumable state (weights, AdamW moments, step).
 */
import * as tf from '../tf';
import type { GPT } from '../nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../nn/optim';
import { maskedMean } from '../nn/ops';
import { deriveSeed } from '../nn/init';
import { batchOrder, WindowSampler } from '../data/corpus';
import { buildBatch, sequenceLength, type SequenceSpec } from '../data/sequences';
import { METRICS } from '../metrics';
import {
  armSpec,
  isEvalStep,
  lrFor,
  seedsOf,
  trainableInFrozenArm,
  type ArmSpec,
  type ExperimentConfig,
} from './config';
import { codesOf, sequenceSpec, type ExperimentData } from './data';
import { extendPretrained, newRows, scratchModel, shuffledPretrained } from './extend';
import type { AlignedRows } from './prepare';
import { evalMetrics, evaluateArm, type EvalResult } from './evals';

export interface MetricRecord {
  arm: string;
  seed: number;
  step: number;
  tokens: number;
  metric: string;
  value: number;
  /** When the value was computed, seconds since the Unix epoch (metrics.csv's wall_time; absent in older files). */
  wallTime?: number;
}

export interface Run {
  arm: ArmSpec;
  seed: number;
  spec: SequenceSpec;
  model: GPT;
  opt: AdamW;
  step: number;
  /** Trained tokens so far: the loss-masked positions of every batch (pad never counts). */
  tokens: number;
  /** Milliseconds spent in training steps so far (forward, backward, update and any read-back; never evaluation). */
  trainMs: number;
  /** Why the run stopped early (NaN/Inf), or null. */
  stopped: string | null;
  order: Generator<number[]>;
  english: WindowSampler | null;
  lastEval: EvalResult | null;
  /** The weights at step 0, by name (for the relative weight change diagnostics). */
  initial: Map<string, Float32Array>;
  /** Device scalar: the first step whose loss or gradient norm was not finite (0: none yet), checked on read-back. */
  nonFinite: tf.Scalar | null;
}

/** A copy of every weight. */
function snapshot(model: GPT): Map<string, Float32Array> {
  return new Map([...model.params].map(([name, v]) => [name, Float32Array.from(v.dataSync())]));
}

/** ‖θ − θ₀‖ / ‖θ₀‖ over the transformer blocks ('body') and over the embeddings and head ('embedding'). */
export function weightChange(model: GPT, initial: Map<string, Float32Array>): { body: number; embedding: number } {
  const acc = { body: [0, 0], embedding: [0, 0] };
  for (const [name, v] of model.params) {
    const now = v.dataSync();
    const then = initial.get(name)!;
    const group = name.startsWith('transformer.h.')
      ? acc.body
      : /(wte|wpe)\.|lm_head/.test(name)
        ? acc.embedding
        : null;
    if (!group) continue;
    for (let i = 0; i < now.length; i++) {
      group[0] += (now[i] - then[i]) ** 2;
      group[1] += then[i] ** 2;
    }
  }
  return { body: Math.sqrt(acc.body[0] / acc.body[1]), embedding: Math.sqrt(acc.embedding[0] / acc.embedding[1]) };
}

export interface RunnerHooks {
  onMetrics?: (records: MetricRecord[]) => void;
  onEval?: (run: Run, result: EvalResult) => void;
  /** Called every cfg.checkpointEvery steps (and at the end) with a run whose state can be saved. */
  onCheckpoint?: (run: Run) => void | Promise<void>;
  log?: (line: string) => void;
}

/** The masked means of one forward pass's per-position NLL: the training loss, and its text and image parts. */
function stepLosses(model: GPT, ids: tf.Tensor2D, masks: { loss: tf.Tensor; text: tf.Tensor; image: tf.Tensor }) {
  const nll = model.nll(ids);
  return { loss: maskedMean(nll, masks.loss), text: maskedMean(nll, masks.text), image: maskedMean(nll, masks.image) };
}

export class ExperimentRunner {
  readonly runs: Run[] = [];

  constructor(
    readonly cfg: ExperimentConfig,
    readonly data: ExperimentData,
    readonly lm: GPT,
    readonly hooks: RunnerHooks = {},
    /** New rows per seed and init for rowInit 'aligned' (prepare.ts), covering every id after the text vocabulary. */
    alignedRows: AlignedRows = { pretrained: [], scratch: [] },
  ) {
    const T = sequenceLength(sequenceSpec(data, cfg.captionBudget, false));
    if (T > lm.config.nPositions)
      throw new Error(
        `sequences of ${T} ids (caption budget ${cfg.captionBudget} + ${data.imageTokens} image tokens + 3) exceed the LM's context of ${lm.config.nPositions}; lower the caption budget`,
      );
    const d = lm.config.nEmbd;
    const added = data.plan.vocabSize - data.plan.textVocab;
    const lmText = lm.params.get('transformer.wte.weight')!.dataSync() as Float32Array;
    for (const seed of seedsOf(cfg)) {
      // New rows from each arm's own text table, with the same seeded noise for every arm of this seed (extend.ts).
      const rowsFor = (init: 'pretrained' | 'scratch', ownText: Float32Array) => {
        if (cfg.rowInit !== 'aligned') return newRows(ownText, data.plan.textVocab, d, added, cfg.rowInit, seed);
        const rows = alignedRows[init][seed];
        if (rows?.length !== added * d)
          throw new Error(
            `rowInit "aligned" needs ${added}×${d} aligned rows for the ${init} arms, seed ${seed} (prepareExperiment computes them)`,
          );
        return rows;
      };
      for (const name of cfg.arms) {
        const arm = armSpec(name, cfg.mixShare);
        const scope = `${name}-s${seed}-${Math.random().toString(36).slice(2, 8)}`;
        const model =
          arm.init === 'scratch'
            ? scratchModel(lm.config, data.plan, (own) => rowsFor('scratch', own), seed, scope)
            : arm.shuffled
              ? shuffledPretrained(lm, data.plan, rowsFor('pretrained', lmText), seed, scope)
              : extendPretrained(lm, data.plan, rowsFor('pretrained', lmText), scope);
        const opt = new AdamW(
          model.params,
          {
            ...DEFAULT_ADAMW,
            lr: lrFor(cfg, name),
            schedule: cfg.schedule,
            warmupSteps: cfg.warmupSteps,
            totalSteps: cfg.steps,
            weightDecay: cfg.weightDecay,
            beta2: 0.99,
          },
          arm.frozen ? trainableInFrozenArm : () => true,
        );
        const spec = sequenceSpec(data, cfg.captionBudget, arm.imageOnly);
        const trainIdx = [...Array(data.train.count).keys()];
        const english =
          arm.mix > 0 ? new WindowSampler(data.english.train, sequenceLength(spec), deriveSeed(seed, 'mix')) : null;
        this.runs.push({
          arm,
          seed,
          spec,
          model,
          opt,
          step: 0,
          tokens: 0,
          trainMs: 0,
          stopped: null,
          order: batchOrder(trainIdx, Math.min(cfg.batchSize, data.train.count), deriveSeed(seed, 'batches')),
          english,
          lastEval: null,
          initial: snapshot(model),
          nonFinite: null,
        });
      }
    }
  }

  /** The batch (ids and masks) a run sees at its next step; arms of a seed get the same images and captions. */
  nextBatch(run: Run) {
    const idx = run.order.next().value as number[];
    const P = this.data.imageTokens;
    const b = buildBatch(
      run.spec,
      idx.map((i) => this.data.train.captions[i]),
      idx.map((i) => codesOf(this.data.train, i, P)),
    );
    if (run.english) {
      const nMix = Math.round(run.arm.mix * b.B);
      const windows = run.english.next(nMix);
      windows.forEach((w, k) => {
        const row = b.B - nMix + k;
        b.ids.set(w, row * b.T);
        b.text.fill(0, row * (b.T - 1), (row + 1) * (b.T - 1));
        b.image.fill(0, row * (b.T - 1), (row + 1) * (b.T - 1));
        b.loss.fill(1, row * (b.T - 1), (row + 1) * (b.T - 1));
      });
    }
    return { idx, batch: b };
  }

  /** One training step of one run. Reads its numbers back when `read`. */
  async stepRun(run: Run, read = true): Promise<MetricRecord[]> {
    if (run.stopped) return [];
    const t0 = performance.now();
    const { batch: b } = this.nextBatch(run);
    const lr = run.opt.currentLr();
    const ids = tf.tensor2d(b.ids, [b.B, b.T], 'int32');
    const masks = {
      loss: tf.tensor2d(b.loss, [b.B, b.T - 1]),
      text: tf.tensor2d(b.text, [b.B, b.T - 1]),
      image: tf.tensor2d(b.image, [b.B, b.T - 1]),
    };
    let side: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const l = stepLosses(run.model, ids, masks);
      side = [tf.keep(l.text), tf.keep(l.image)];
      return l.loss;
    }, run.opt.variables());
    const gradNorm = run.opt.apply(grads);
    tf.dispose([ids, masks.loss, masks.text, masks.image, ...Object.values(grads)]);
    run.step += 1;
    const trained = b.loss.reduce((a, v) => a + v, 0);
    run.tokens += trained;
    // Remember on the device the first step whose numbers were not finite, so a step that is not read back is
    // still caught (and named) at the next read-back, before any checkpoint is written.
    const prev = run.nonFinite;
    run.nonFinite = tf.tidy(() => {
      const bad = tf.cast(tf.logicalNot(tf.isFinite(tf.add(value, gradNorm))), 'float32');
      return tf.keep(
        prev ? tf.where(tf.greater(prev, 0), prev, tf.mul(bad, run.step)) : tf.mul(bad, run.step),
      ) as tf.Scalar;
    });
    prev?.dispose();
    const tensors = [value, gradNorm, ...side];
    if (!read) {
      tf.dispose(tensors);
      run.trainMs += performance.now() - t0;
      return [];
    }
    const [loss, norm, text, image, firstBad] = (
      await Promise.all([...tensors, run.nonFinite].map((t) => t.data()))
    ).map((d) => d[0]);
    tf.dispose(tensors);
    const ms = performance.now() - t0;
    run.trainMs += ms;
    if (firstBad > 0) {
      run.stopped = `arm ${run.arm.name}, seed ${run.seed}: the loss or gradient became NaN/Inf at step ${firstBad}${firstBad < run.step ? ` (found at step ${run.step})` : ''}; the run stopped and keeps its last good checkpoint`;
      this.hooks.log?.(run.stopped);
      return [];
    }
    const mem = tf.memory();
    const rec = (metric: string, v: number): MetricRecord => ({
      arm: run.arm.name,
      seed: run.seed,
      step: run.step,
      tokens: run.tokens,
      metric,
      value: v,
      wallTime: Date.now() / 1000,
    });
    const out = [
      rec(METRICS.trainLoss, loss),
      rec(METRICS.lr, lr),
      rec(METRICS.gradNorm, norm),
      rec(METRICS.stepMs, ms),
      rec(METRICS.tokensPerSecond, trained / (ms / 1000)),
      rec(METRICS.numTensors, mem.numTensors),
      rec(METRICS.numBytes, mem.numBytes),
    ];
    if (!run.arm.imageOnly) out.push(rec(METRICS.trainTextLoss, text));
    out.push(rec(METRICS.trainImageLoss, image));
    return out;
  }

  async evalRun(run: Run): Promise<MetricRecord[]> {
    const r = await evaluateArm(run.model, this.data, run.spec, this.cfg.evalImages, this.cfg.englishTokens);
    run.lastEval = r;
    this.hooks.onEval?.(run, r);
    const rec = (metric: string, v: number): MetricRecord => ({
      arm: run.arm.name,
      seed: run.seed,
      step: run.step,
      tokens: run.tokens,
      metric,
      value: v,
      wallTime: Date.now() / 1000,
    });
    const change = weightChange(run.model, run.initial);
    return [
      ...evalMetrics(r),
      [METRICS.diagBodyChange, change.body],
      [METRICS.diagEmbeddingChange, change.embedding],
    ].map(([metric, v]) => rec(metric as string, v as number));
  }

  /** Step 0: evaluate every run that has not stepped yet (the curves' first point). */
  async evalFresh(): Promise<MetricRecord[]> {
    const out: MetricRecord[] = [];
    for (const run of this.runs) if (run.step === 0 && !run.lastEval) out.push(...(await this.evalRun(run)));
    return out;
  }

  /**
   * One step of every run still short of `end`, with its evaluations and checkpoints on schedule. `read(step)` says
   * whether to read a run's training numbers back at that step (a read-back waits for the device; the playground
   * reads only on logging steps). `take(run)`, asked just before each run steps, may leave a run out of this round
   * (the playground pauses at the next step boundary, and then lets the runs left behind catch up). Returns the
   * records of this round.
   */
  async stepRound(
    end = this.cfg.steps,
    read: (step: number) => boolean = () => true,
    take: (run: Run) => boolean = () => true,
  ): Promise<MetricRecord[]> {
    const out: MetricRecord[] = [];
    for (const run of this.runs) {
      if (run.stopped || run.step >= end || !take(run)) continue;
      const next = run.step + 1;
      const isEval = isEvalStep(next, this.cfg);
      const isCheckpoint = (this.cfg.checkpointEvery > 0 && next % this.cfg.checkpointEvery === 0) || next === end;
      // A checkpoint step always reads back, so a NaN model is never saved as the last good one.
      out.push(...(await this.stepRun(run, isEval || isCheckpoint || read(next))));
      if (run.stopped) continue;
      if (isEval) out.push(...(await this.evalRun(run)));
      if (isCheckpoint) await this.hooks.onCheckpoint?.(run);
    }
    return out;
  }

  /** True while some run can still step before `end`. */
  active(end = this.cfg.steps): boolean {
    return this.runs.some((r) => !r.stopped && r.step < Math.min(end, this.cfg.steps));
  }

  /** Run every arm × seed to cfg.steps, or to `until` (from wherever they are), evaluating on schedule. */
  async runAll(until = this.cfg.steps): Promise<MetricRecord[]> {
    const end = Math.min(until, this.cfg.steps);
    const all: MetricRecord[] = [];
    const emit = (r: MetricRecord[]) => {
      all.push(...r);
      if (r.length) this.hooks.onMetrics?.(r);
    };
    for (const run of this.runs) if (run.step === 0) emit(await this.evalRun(run));
    while (this.active(end)) emit(await this.stepRound(end));
    return all;
  }

  dispose(): void {
    for (const r of this.runs) {
      r.opt.dispose();
      r.model.dispose();
      r.nonFinite?.dispose();
    }
  }
}
