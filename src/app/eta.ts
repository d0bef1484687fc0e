/**
 * Time estimates: before a run, from a measured (or benchmarked) training speed in tokens per second and the
 * config's size — training tokens plus evaluation forward passes (a forward pass costs about a third of a training
 * step per token); during a run, from the measured time of recent rounds.
 */
import { evalCount, type ExperimentConfig } from '../core/experiment/config';

/** Ids in one training sequence: <|bos|> caption-budget <|boi|> 64 image tokens <|eoi|>. */
export const sequenceIds = (cfg: Pick<ExperimentConfig, 'captionBudget'>, imageTokens = 64) => cfg.captionBudget + imageTokens + 3;

export function etaBefore(cfg: ExperimentConfig, tokensPerSecond: number, imageTokens = 64): number {
  const runs = cfg.arms.length * cfg.seeds;
  const T = sequenceIds(cfg, imageTokens);
  const train = cfg.steps * cfg.batchSize * T;
  const evals = evalCount(cfg);
  const evalTokens = evals * ((cfg.evalImages || 421) * T + 2 * (cfg.englishTokens || 20000)) / 3;
  return (runs * (train + evalTokens)) / tokensPerSecond;
}

export function etaDuring(step: number, steps: number, roundMs: number | null): number | null {
  if (roundMs === null || step >= steps) return null;
  return ((steps - step) * roundMs) / 1000;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
