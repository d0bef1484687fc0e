/**
 * What an experiment is made of (ExperimentInputs, loaded by its driver) and the lifecycle's preparation of its data:
 * core/experiment/prepare.ts over the main runs' and the sweep's seeds, then the --tokens budget turned into steps.
 * lifecycle.ts runs it in Experiment.prepare; `npm run export` and the torch engine call prepareData alone.
 */
import type { DataReader } from '../data/emoji';
import type { GPT } from '../nn/gpt';
import type { VQVAE } from '../nn/vqvae';
import type { TextTokenizer } from '../tokenize/hf';
import { seedsOf, type ExperimentConfig } from './config';
import { stepsForTokens } from './data';
import { prepareExperiment, type ImageSplits, type PrepareOptions, type Prepared } from './prepare';
import type { SweepResult } from './sweep';
import type { SweepPlan } from './sweep-plan';

/** What an experiment is made of (loaded by its driver). The lifecycle never disposes the LM or the VQ tokenizer. */
export interface ExperimentInputs {
  /** The setup; copied (the --tokens budget and the sweep's rates are written into the copy). */
  cfg: ExperimentConfig;
  images: ImageSplits;
  lm: GPT;
  tokenizer: TextTokenizer;
  vq: VQVAE;
  /** Reads the shipped public data (English texts, the pre-training books). */
  readData: DataReader;
  /** Pre-computed codes of every image for this VQ tokenizer (core/data/codes.ts), or null to encode them. */
  codes?: Int32Array | null;
  /** --tokens: the budget in trained tokens per run, turned into cfg.steps once the data is known; null: cfg.steps. */
  tokens?: number | null;
  /** --lr-sweep, or null. */
  sweep?: SweepPlan | null;
  /** --lr-from: the recorded sweep the rates came from (shown in the report), or null. */
  recordedSweep?: SweepResult | null;
}

/**
 * The data of an experiment: `prepareExperiment` over enough seeds for the sweep too (aligned rows are per seed),
 * then the --tokens budget as steps, written into `cfg.steps`. Logs through `log`.
 */
export async function prepareData(
  inputs: ExperimentInputs,
  cfg: ExperimentConfig,
  log: (s: string) => void,
  opts: PrepareOptions = {},
): Promise<Prepared> {
  // The main runs' seeds and the sweep's (which always starts at seed 0, so every class seat sweeps alike).
  const alignSeeds = [...new Set([...seedsOf(cfg), ...seedsOf({ seeds: inputs.sweep?.seeds ?? 0 })])].sort(
    (a, b) => a - b,
  );
  const prepared = await prepareExperiment(
    cfg,
    inputs.images,
    inputs.lm,
    inputs.tokenizer,
    inputs.vq,
    inputs.readData,
    log,
    { codes: inputs.codes ?? null, alignSeeds, ...opts },
  );
  applyTokenBudget(cfg, prepared, inputs.tokens ?? null, log);
  return prepared;
}

/** Turn `tokens` (--tokens; null: keep cfg.steps) into `cfg.steps` for the prepared data, and log the sum. */
export function applyTokenBudget(
  cfg: ExperimentConfig,
  prepared: Prepared,
  tokens: number | null,
  log: (s: string) => void,
): void {
  if (tokens === null) return;
  const { steps, perSequence } = stepsForTokens(prepared.data, cfg, tokens);
  cfg.steps = steps;
  log(
    `--tokens ${tokens} = ${cfg.steps} steps of ${cfg.batchSize} sequences (${perSequence.toFixed(1)} trained tokens each)`,
  );
}
