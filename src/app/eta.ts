/**
 * Time estimates, in one unit: trained tokens per second of training time (METRICS.tokensPerSecond — loss-masked
 * tokens, the ones the optimizer learns from; evaluation and sampling are timed on their own and added once).
 * Before a run: training tokens over the measured (or benchmarked) speed, plus the evaluations' forward passes
 * (a forward pass costs about a third of a training step per position). During a run: the steps left at the
 * measured training time per step, plus the evaluations left at the measured time of one evaluation round.
 */
import { isEvalStep, type ExperimentConfig } from '../core/experiment/config';
import type { RunStatus } from '../worker/protocol';

/** Ids in one training sequence: <|bos|> caption-budget <|boi|> 64 image tokens <|eoi|>. */
export const sequenceIds = (cfg: Pick<ExperimentConfig, 'captionBudget'>, imageTokens = 64) =>
  cfg.captionBudget + imageTokens + 3;

/**
 * Trained (loss-masked) ids in one sequence: the caption's ids (pad never), <|boi|>, the image tokens and <|eoi|>.
 * `meanCaption` is the mean caption length in ids when known; else every caption is taken to fill the budget.
 */
export const trainedPerSequence = (
  cfg: Pick<ExperimentConfig, 'captionBudget'>,
  meanCaption: number | null = null,
  imageTokens = 64,
) => Math.min(meanCaption ?? cfg.captionBudget, cfg.captionBudget) + imageTokens + 2;

/** Evaluations after step `step` up to the end (isEvalStep: every evalEvery steps, the early powers of two, the last step; step 0 counts when step < 0). */
export function evaluationsAfter(step: number, steps: number, evalEvery: number): number {
  let n = 0;
  for (let s = Math.max(0, step + 1); s <= steps; s++) if (isEvalStep(s, { evalEvery, steps })) n++;
  return n;
}

/** Seconds for the whole setup at `tokensPerSecond` trained tokens per second (all arms and seeds, one after another). */
export function etaBefore(
  cfg: ExperimentConfig,
  tokensPerSecond: number,
  meanCaption: number | null = null,
  imageTokens = 64,
): number {
  const runs = cfg.arms.length * cfg.seeds;
  const T = sequenceIds(cfg, imageTokens);
  const trained = trainedPerSequence(cfg, meanCaption, imageTokens);
  const train = (cfg.steps * cfg.batchSize * trained) / tokensPerSecond;
  // A training step runs over all T positions of a sequence but trains `trained` of them.
  const secondsPerPosition = trained / (T * tokensPerSecond);
  const evalPositions = (cfg.evalImages || 421) * T + 2 * (cfg.englishTokens || 20000);
  const evals = evaluationsAfter(-1, cfg.steps, cfg.evalEvery) * (evalPositions / 3) * secondsPerPosition;
  return runs * (train + evals);
}

/**
 * Seconds left: the run-steps left × (training time per step + checkpoint saving per step so far) + the evaluations
 * left × time per evaluation round.
 */
export function etaDuring(
  s: Pick<RunStatus, 'step' | 'steps' | 'stepsLeft' | 'stepMs' | 'evalMs' | 'evalEvery' | 'saveMsPerStep'>,
): number | null {
  if (s.stepMs === null || s.stepsLeft <= 0) return null;
  return (
    (s.stepsLeft * (s.stepMs + (s.saveMsPerStep ?? 0)) +
      evaluationsAfter(s.step, s.steps, s.evalEvery) * (s.evalMs ?? 0)) /
    1000
  );
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * Sequence positions per second of a 4-layer, width-128 training step on this project's 2-core CPU (npm run bench),
 * turned into trained tokens per second for the setup at hand: a first guess before this device has a figure.
 */
const BENCH_POSITIONS: Record<string, number> = { wasm: 1127, cpu: 51 };

/**
 * The speed the ETA starts from on `backend`: this device's measured trained tokens per second when a run saved one,
 * else the bench's first guess for the setup `cfg` (wasm and cpu only), else null (no estimate).
 */
export function speedEstimate(
  backend: string,
  measured: number | null,
  cfg: Pick<ExperimentConfig, 'captionBudget'>,
): { tokensPerSecond: number; source: string } | null {
  if (measured) return { tokensPerSecond: measured, source: `measured here on ${backend}` };
  if (!BENCH_POSITIONS[backend]) return null;
  return {
    tokensPerSecond: (BENCH_POSITIONS[backend] * trainedPerSequence(cfg)) / sequenceIds(cfg),
    source: `a first guess from npm run bench on a 2-core CPU (${backend})`,
  };
}
