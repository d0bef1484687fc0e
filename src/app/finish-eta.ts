/**
 * The finishing phase in the ETA: after the last step the worker samples images from every run (the quality figure's
 * `max(samples, qualitySamples)` per run, image-only arms excepted), trains the quality classifier (`classifierSteps`,
 * emoji only) and the scratch caption LM of the caption analysis (`captionLmSteps`). Each is costed in trained-token
 * equivalents — seconds × the trained tokens per second measured in the same run — so the estimate follows the
 * device's measured speed like the rest of the ETA.
 *
 * Measured (issue 22): `npm run replicate -- --preset lesson --steps 3 --warmup 1 --eval-every 3` on the project's
 * 2-core machine (wasm, load average 15): 244 trained tokens/s while training; sampling 6 × 64 images 121 s, the
 * classifier and quality figure 112 s, the caption analysis 280 s (docs/teachers.md, "How long a lesson takes").
 */
import type { ExperimentConfig } from '../core/experiment/config';

/** Trained-token equivalents of one sampled image (64 image tokens with the KV cache, decoded): 121 s / 384 × 244. */
export const TOKENS_PER_SAMPLED_IMAGE = 77;
/** Of one quality-classifier step (batch 64 of 32×32, with the Fréchet distance and the generated images' labels): 112 s / 150 × 244. */
export const TOKENS_PER_CLASSIFIER_STEP = 182;
/** Of one caption-LM step (batch 32, with the perplexities and token statistics of the analysis): 280 s / 300 × 244. */
export const TOKENS_PER_CAPTION_LM_STEP = 228;

const IMAGE_ONLY = /^image-only/;

/**
 * Seconds the finishing phase takes at `tokensPerSecond` trained tokens per second: sampling + classifier + caption
 * analysis, in the units above. `valImages` caps the images sampled per run (null: uncapped); `categories` is whether
 * the data has the emoji categories the classifier needs. Throws on a non-positive speed.
 */
export function finishSeconds(
  cfg: Pick<ExperimentConfig, 'arms' | 'seeds' | 'samples' | 'qualitySamples' | 'classifierSteps' | 'captionLmSteps'>,
  tokensPerSecond: number,
  valImages: number | null = null,
  categories = true,
): number {
  if (!(tokensPerSecond > 0)) throw new Error(`finishSeconds needs a positive speed, got ${tokensPerSecond}`);
  const runs = cfg.arms.filter((a) => !IMAGE_ONLY.test(a)).length * cfg.seeds;
  const perRun = Math.min(Math.max(cfg.samples, cfg.qualitySamples), valImages ?? Infinity);
  const tokens =
    runs * perRun * TOKENS_PER_SAMPLED_IMAGE +
    (categories ? cfg.classifierSteps * TOKENS_PER_CLASSIFIER_STEP : 0) +
    cfg.captionLmSteps * TOKENS_PER_CAPTION_LM_STEP;
  return tokens / tokensPerSecond;
}
