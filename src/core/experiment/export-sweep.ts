/**
 * The LR sweep's own data in a scale export (`npm run export`, `replicate --engine torch`), so that scale/train.py
 * sweeps as replicate does (issue 20's protocol, sweep-plan.ts): its runs train on the training split without the
 * selection concepts and are scored on the selection images (selection.ts), never on the evaluation images of the
 * verdicts; `--lr-sweep fair` carries its protocol (sweep.ts fairSweep: rates √2 apart around cfg.lr, the main run's
 * full horizon, the grid grown at an edge), which scale/lr_sweep.py follows.
 *
 * Files, beside the main ones (export.ts), in the same layouts:
 *   sweep/train.bin, sweep/train.mask.bin   the sweep's training sequences (the training split less the selection concepts)
 *   sweep/val.bin, sweep/val.mask.bin       the selection images, on which each sweep run is scored once at its end
 *   sweep/order.bin [, sweep/mix.bin]       the sweep runs' batch order, as its runner draws it (seeds 0 … seeds − 1)
 * The sweep's runs start from the main runs' initial weights of the same seed (init/<arm>-s<seed>): the runner builds
 * them from the seed, the LM and the aligned rows alone, whatever split it trains on.
 */
import type { GPT } from '../nn/gpt';
import type { SequenceSpec } from '../data/sequences';
import type { ExperimentConfig } from './config';
import type { ExperimentData } from './data';
import { batchFiles, splitFiles } from './export-layout';
import type { AlignedRows } from './prepare';
import { ExperimentRunner } from './runner';
import { FAIR_SWEEP, type SweepProtocol } from './sweep';

/** A sweep as the setup asks for it (setup-flags.ts): a fixed grid, or `fair` (its rates chosen as it runs). */
export interface ExportSweepPlan {
  lrs: number[];
  steps: number;
  seeds: number;
  fair?: Partial<Pick<SweepProtocol, 'centre' | 'points' | 'maxExtensions'>>;
}

/** What meta.json says of the sweep's files (`sweep`), and the protocol experiment.json's sweep carries. */
export interface SweepExport {
  files: Map<string, Uint8Array>;
  meta: {
    train: { file: string; mask: string; sequences: number };
    val: { file: string; mask: string; sequences: number };
    batches: { order: string; shape: number[]; mix: { file: string; shape: number[] } | null };
    /** The selection split: its images, and the images the sweep trains on (SweepResult.selection). */
    selection: { images: number; trainImages: number };
  };
  /** The fair protocol (fair plans only); the grid's centre is cfg.lr. */
  protocol: SweepProtocol | null;
  /** Steps of each sweep run (fair: the main run's cfg.steps). */
  steps: number;
}

/**
 * The sweep's files for `plan` on `sel` (sweep-plan.ts sweepData of the experiment's data): its sequences, the
 * selection images and the batch order of a runner built as runPlannedSweep builds it (seeds 0 … plan.seeds − 1,
 * every selection image evaluated). Throws when `cfg.firstSeed` is not 0 (the sweep's runs start from init/ of seeds
 * 0 … plan.seeds − 1, which that export does not hold: sweep in a folder of seeds from 0 and pass --lr-from).
 */
export function sweepExport(
  cfg: ExperimentConfig,
  plan: ExportSweepPlan,
  sel: ExperimentData,
  lm: GPT,
  alignedRows: AlignedRows,
  spec: SequenceSpec,
  T: number,
): SweepExport {
  if ((cfg.firstSeed ?? 0) !== 0)
    throw new Error(
      `an export with --first-seed ${cfg.firstSeed} cannot hold its LR sweep (the sweep runs seeds 0 … ${plan.seeds - 1}); sweep in a folder starting at seed 0 and pass its sweep.json with --lr-from`,
    );
  const steps = plan.fair ? cfg.steps : plan.steps;
  const protocol: SweepProtocol | null = plan.fair
    ? {
        centre: cfg.lr,
        ratio: FAIR_SWEEP.ratio,
        points: FAIR_SWEEP.points,
        steps,
        seeds: plan.seeds,
        maxExtensions: FAIR_SWEEP.maxExtensions,
        ...plan.fair,
      }
    : null;
  const files = new Map<string, Uint8Array>();
  for (const [name, split] of [
    ['train', sel.train],
    ['val', sel.val],
  ] as const) {
    const f = splitFiles(spec, split, sel.imageTokens);
    files.set(`sweep/${name}.bin`, f.ids);
    files.set(`sweep/${name}.mask.bin`, f.mask);
  }
  const runner = new ExperimentRunner(
    { ...cfg, seeds: plan.seeds, firstSeed: 0, steps, evalImages: 0 },
    sel,
    lm,
    {},
    alignedRows,
  );
  try {
    const B = Math.min(cfg.batchSize, sel.train.count);
    const b = batchFiles(runner, plan.seeds, steps, B, T);
    files.set('sweep/order.bin', b.order);
    if (b.mix) files.set('sweep/mix.bin', b.mix);
    return {
      files,
      meta: {
        train: { file: 'sweep/train.bin', mask: 'sweep/train.mask.bin', sequences: sel.train.count },
        val: { file: 'sweep/val.bin', mask: 'sweep/val.mask.bin', sequences: sel.val.count },
        batches: {
          order: 'sweep/order.bin',
          shape: [plan.seeds, steps, B],
          mix: b.mix ? { file: 'sweep/mix.bin', shape: [plan.seeds, steps, b.nMix, T] } : null,
        },
        selection: { images: sel.val.count, trainImages: sel.train.count },
      },
      protocol,
      steps,
    };
  } finally {
    runner.dispose();
  }
}
