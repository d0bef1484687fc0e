/**
 * Training a VQ tokenizer from fresh weights — the one loop behind `npm run train-vq`, `npm run replicate --train-vq`
 * and the page's in-page tokenizer training: k-means codebook initialisation, then `steps` AdamW updates (VQTrainer),
 * reading the losses back every `readEvery` steps (a read waits for the device) and handing each step to the caller,
 * who logs, evaluates, saves or streams, and may stop early.
 */
import type { DeviceImages } from '../data/images';
import { VQVAE, type VQVAEConfig } from '../nn/vqvae';
import { DEFAULT_VQ_TRAIN, VQTrainer, type VQStepLosses, type VQTrainConfig } from './train';

export interface TokenizerProgress {
  /** Updates done so far (1 after the first). */
  step: number;
  steps: number;
  /** The step's losses when they were read back (every `readEvery` steps and the last), else null. */
  losses: VQStepLosses | null;
  /** Codes re-seeded by dead-code restarts so far. */
  restarted: number;
}

export interface TrainTokenizerOptions {
  /** Schedule and batch; anything left out comes from DEFAULT_VQ_TRAIN, with warm-up at most a tenth of the steps. */
  train: Partial<VQTrainConfig> & { steps: number };
  /** Seed of the fresh weights (default: the training seed). */
  initSeed?: number;
  /** Prefix of the model's tfjs variable names. */
  scope?: string;
  /** Read the losses back every N steps (and at the last). Default 50. */
  readEvery?: number;
  /** Called after the codebook's k-means initialisation, before the first update. */
  onInit?: (model: VQVAE) => void | Promise<void>;
  /** Called after every update (await it to yield, evaluate or save). */
  onStep?: (model: VQVAE, p: TokenizerProgress) => void | Promise<void>;
  /** Checked before each update: true ends training early (the model so far is returned). */
  stop?: () => boolean;
}

/**
 * The schedule of a run of `steps` on `count` training images: DEFAULT_VQ_TRAIN's, with warm-up capped at a tenth of
 * the steps and k-means on at most the images there are.
 */
export function tokenizerSchedule(train: TrainTokenizerOptions['train'], count: number): VQTrainConfig {
  const cfg = { ...DEFAULT_VQ_TRAIN, ...train };
  return {
    ...cfg,
    warmupSteps: Math.min(cfg.warmupSteps, Math.floor(cfg.steps / 10)),
    kmeansImages: Math.min(cfg.kmeansImages, count),
  };
}

/**
 * Steps for a tokenizer trained on a bring-your-own dataset of `count` images (replicate --train-vq): 50 epochs plus
 * 100, at most the shipped tokenizer's 2,500.
 */
export function byodTokenizerSteps(count: number, batchSize = DEFAULT_VQ_TRAIN.batchSize): number {
  return Math.min(DEFAULT_VQ_TRAIN.steps, 50 * Math.ceil(count / batchSize) + 100);
}

/** Train a tokenizer of architecture `config` on `images`; returns the model (the caller disposes it) and what happened. */
export async function trainTokenizer(
  config: VQVAEConfig,
  images: DeviceImages,
  opts: TrainTokenizerOptions,
): Promise<{ model: VQVAE; steps: number; restarted: number; schedule: VQTrainConfig }> {
  const schedule = tokenizerSchedule(opts.train, images.count);
  const model = new VQVAE(config, opts.initSeed ?? schedule.seed, opts.scope);
  const trainer = new VQTrainer(model, images, schedule);
  const readEvery = Math.max(1, opts.readEvery ?? 50);
  try {
    await trainer.initCodebook();
    await opts.onInit?.(model);
    while (trainer.step < schedule.steps && !opts.stop?.()) {
      const next = trainer.step + 1;
      const losses = await trainer.trainStep(next % readEvery === 0 || next === schedule.steps);
      await opts.onStep?.(model, { step: trainer.step, steps: schedule.steps, losses, restarted: trainer.restarted });
    }
    return { model, steps: trainer.step, restarted: trainer.restarted, schedule };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    trainer.dispose();
  }
}
