/**
 * Running the learning-rate sweep an experiment asked for (`replicate --lr-sweep X,Y,…` or `--lr-sweep fair`), on
 * the selection split (selection.ts): the sweep's runs train on the training split without the selection concepts
 * and are scored on the selection images, never on the evaluation images the verdicts use. A fixed grid runs every
 * arm at the given rates for a short budget (sweepLearningRates); `fair` runs issue 20's protocol (fairSweep: rates
 * √2 apart around cfg.lr, the main run's full horizon, ≥ 2 seeds, the grid extended while an arm's best sits at an
 * edge) for every arm of the setup. The result records the protocol and the selection split's size (sweep.json).
 * One leak is left: with rowInit 'aligned' the image rows are aligned once on the whole training split (prepare.ts),
 * selection images included, and the sweep's runs start from those rows.
 */
import type { GPT } from '../nn/gpt';
import type { ExperimentConfig } from './config';
import type { ExperimentData } from './data';
import type { AlignedRows, ImageSplits } from './prepare';
import { ExperimentRunner } from './runner';
import { selectionData } from './selection';
import {
  experimentArmsTrainAt,
  experimentTrainAt,
  fairProtocol,
  fairSweep,
  sweepLearningRates,
  type SweepProtocol,
  type SweepResult,
} from './sweep';

/** An LR sweep to run before the main runs: the rates (a fixed grid), or `fair`; its budget per rate. */
export interface SweepPlan {
  /** The fixed grid's rates (ignored when `fair` is set). */
  lrs: number[];
  /** Steps of each sweep run (a fixed grid; the fair protocol runs the main run's cfg.steps). */
  steps: number;
  seeds: number;
  /** The fair protocol, with any of its figures overridden (tests use a smaller bound on the extensions). */
  fair?: Partial<Pick<SweepProtocol, 'centre' | 'points' | 'maxExtensions'>>;
}

/** The sweep's data: selectionData over the training images' concepts (bring-your-own: each image) and categories. */
export function sweepData(
  data: ExperimentData,
  images: Pick<ImageSplits, 'concepts' | 'categories' | 'indices'>,
): ExperimentData {
  return selectionData(data, {
    concepts: images.concepts?.train ?? images.indices.train,
    categories: images.categories?.train ?? null,
  });
}

/**
 * Run `plan` for cfg's arms on the selection split of `data`, every selection image evaluated once at the end of
 * each run. Throws as sweepLearningRates / fairSweep do, and when the training images cannot give a selection split.
 */
export async function runPlannedSweep(
  plan: SweepPlan,
  cfg: ExperimentConfig,
  data: ExperimentData,
  images: Pick<ImageSplits, 'concepts' | 'categories' | 'indices'>,
  lm: GPT,
  alignedRows: AlignedRows,
  log: (s: string) => void,
): Promise<SweepResult> {
  const sel = sweepData(data, images);
  const selection = { images: sel.val.count, trainImages: sel.train.count };
  log(
    `LR sweep on the selection split: ${selection.images} images of whole training concepts set apart, the sweep's runs training on the other ${selection.trainImages} (the evaluation images are not used)`,
  );
  const make = (c: ExperimentConfig) => new ExperimentRunner({ ...c, evalImages: 0 }, sel, lm, {}, alignedRows);
  const say = (s: string) => log(`  sweep ${s}`);
  if (plan.fair) {
    const p: SweepProtocol = { ...fairProtocol(cfg), seeds: plan.seeds, ...plan.fair };
    log(
      `LR sweep (fair) — arms ${cfg.arms.join(', ')}: ${p.points} rates ${p.ratio.toFixed(3)}× apart around ${p.centre}, ${p.steps} steps × ${p.seeds} seeds each, extended up to ${p.maxExtensions} rates per side while a best rate sits at an edge`,
    );
    return {
      ...(await fairSweep(
        p,
        experimentArmsTrainAt(cfg, { steps: p.steps, seeds: p.seeds }, make),
        [...cfg.arms],
        cfg.schedule,
        say,
      )),
      selection,
    };
  }
  const { lrs, steps, seeds } = plan;
  log(`LR sweep — arms ${cfg.arms.join(', ')} at ${lrs.join(', ')} for ${steps} steps × ${seeds} seed(s) each`);
  return {
    ...(await sweepLearningRates(
      lrs,
      experimentTrainAt(cfg, { steps, seeds }, make),
      { steps, seeds, schedule: cfg.schedule },
      say,
    )),
    selection,
  };
}
