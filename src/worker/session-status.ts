/**
 * What a worker experiment session (experiment-session.ts) tells the page about its progress: the status event's
 * figures (steps and steps left, memory) and the speed figures behind the page's ETA — ms per training step and per
 * evaluation round, trained tokens per second, each a moving average over rounds, and the checkpoint time per
 * run-step taken since training started or resumed.
 */
import type { ExperimentConfig } from '../core/experiment/config';
import type { Experiment } from '../core/experiment/lifecycle';
import type { Run } from '../core/experiment/runner';
import * as tf from '../core/tf';
import type { RunPhase, RunStatus } from './protocol';

/** Weight of the newest measurement in the speed figures' moving averages. */
const EMA = 0.3;

const ema = (old: number | null, x: number) => (old === null ? x : (1 - EMA) * old + EMA * x);

/** Sums over every run (read before and after a round): training ms, trained tokens and steps taken. */
export interface RunTotals {
  ms: number;
  tokens: number;
  steps: number;
}

export const runTotals = (runs: Run[]): RunTotals =>
  runs.reduce((s, r) => ({ ms: s.ms + r.trainMs, tokens: s.tokens + r.tokens, steps: s.steps + r.step }), {
    ms: 0,
    tokens: 0,
    steps: 0,
  });

export class SessionSpeed {
  /** Training ms of one run's step (moving average; evaluation and sampling excluded), null before one. */
  stepMs: number | null = null;
  /** Ms of one evaluation round (held-out losses, heatmap and live samples; moving average), null before one. */
  evalMs: number | null = null;
  /** Run-steps taken since training started or resumed (the denominator of the checkpoint time per step). */
  stepsTaken = 0;
  /** Trained tokens per second of training time (moving average), null before a step. */
  tokensPerSecond: number | null = null;

  /** An evaluation round outside the step rounds (the untrained models' step 0) took `ms`. */
  evaluated(ms: number): void {
    this.evalMs = ema(this.evalMs, ms);
  }

  /** A round's steps are done: tokens per second from the totals before and after; its training ms and steps. */
  trained(before: RunTotals, after: RunTotals): { trainMs: number; steps: number } {
    const trainMs = after.ms - before.ms;
    const steps = after.steps - before.steps;
    if (steps > 0 && trainMs > 0)
      this.tokensPerSecond = ema(this.tokensPerSecond, (after.tokens - before.tokens) / (trainMs / 1000));
    return { trainMs, steps };
  }

  /**
   * A round ended: `wall` ms in the lifecycle's round (steps and evaluations), `extra` ms of live samples around it;
   * with `evaluation` the time beyond training is the evaluation's, else the whole round is the steps'.
   */
  round(t: { trainMs: number; steps: number }, wall: number, extra: number, evaluation: boolean): void {
    if (evaluation) {
      this.evalMs = ema(this.evalMs, wall - t.trainMs + extra);
      if (t.steps > 0) this.stepMs = ema(this.stepMs, t.trainMs / t.steps);
    } else if (t.steps > 0) this.stepMs = ema(this.stepMs, (wall + extra) / t.steps);
    this.stepsTaken += Math.max(0, t.steps);
  }

  /** Forget the moving averages (the experiment was freed); stepsTaken restarts when the next one is prepared. */
  clear(): void {
    this.stepMs = this.evalMs = this.tokensPerSecond = null;
  }

  /** The status event's figures for `exp` (null before it exists: `cfg`'s steps, no runs) and the tfjs memory now. */
  status(
    phase: RunPhase,
    message: string,
    progress: RunStatus['progress'],
    exp: Experiment | null,
    cfg: ExperimentConfig | null,
  ): RunStatus {
    const mem = tf.memory();
    const runs = exp?.runner?.runs ?? [];
    const steps = exp?.cfg.steps ?? cfg?.steps ?? 0;
    const stepsLeft = runs.reduce((s, r) => s + (r.stopped ? 0 : steps - r.step), 0);
    const savingMs = exp?.checkpoints.savingMs ?? 0;
    return {
      phase,
      message,
      progress,
      step: exp?.step ?? 0,
      steps,
      runs: runs.length,
      stepsLeft,
      stepMs: this.stepMs,
      evalMs: this.evalMs,
      evalEvery: cfg?.evalEvery ?? 1,
      saveMsPerStep: this.stepsTaken ? savingMs / this.stepsTaken : null,
      tokensPerSecond: this.tokensPerSecond,
      numTensors: mem.numTensors,
      numBytes: mem.numBytes,
    };
  }
}
