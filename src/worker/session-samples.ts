/**
 * The samples a worker experiment session shows the page: caption → image for each arm of seed 0 that makes images
 * (core/experiment/samples.ts, decoded by the VQ tokenizer). The live samples — the first validation captions, real
 * images first — come after each evaluation and at step 0 (on the untrained snapshots); a typed caption's on request.
 */
import type { ExperimentData } from '../core/experiment/data';
import type { ImageSplits } from '../core/experiment/prepare';
import type { Run } from '../core/experiment/runner';
import { sampleImages } from '../core/experiment/samples';
import type { GPT } from '../core/nn/gpt';
import type { VQVAE } from '../core/nn/vqvae';
import { toPictures } from './browser-io';
import type { SampleSet } from './protocol';

/** Validation captions in the live samples. */
const LIVE_SAMPLES = 4;

/** Caption → image for each arm of seed 0 that makes images (`models` overrides a run's model: the step-0 snapshots). */
export async function armSamples(
  runs: Run[],
  vq: VQVAE,
  images: ImageSplits,
  o: {
    captions: string[];
    ids: number[][];
    real: boolean;
    custom: boolean;
    temperature: number;
    seed: number;
    models?: ReadonlyMap<Run, GPT>;
    step: number;
  },
): Promise<SampleSet> {
  const size = images.size;
  const rows: SampleSet['rows'] = [];
  if (o.real) rows.push({ name: 'real', pictures: toPictures(images.val, size, o.captions.length) });
  for (const run of runs.filter((r) => r.seed === 0 && !r.arm.imageOnly && !r.stopped)) {
    const { pixels } = await sampleImages(o.models?.get(run) ?? run.model, vq, run.spec, o.ids, {
      temperature: o.temperature,
      topK: 0,
      seed: o.seed,
    });
    rows.push({ name: run.arm.name, pictures: toPictures(pixels, size, o.ids.length) });
  }
  return { step: o.step, captions: o.captions, rows, custom: o.custom };
}

/**
 * The live samples at `step`: the first LIVE_SAMPLES validation captions of `data`, real images first, temperature 1,
 * seed 0 (`models` overrides a run's model); null when there is no validation image.
 */
export function liveSampleSet(
  runs: Run[],
  vq: VQVAE,
  images: ImageSplits,
  data: ExperimentData,
  step: number,
  models?: ReadonlyMap<Run, GPT>,
): Promise<SampleSet> | null {
  const n = Math.min(LIVE_SAMPLES, data.val.count);
  if (!n) return null;
  return armSamples(runs, vq, images, {
    captions: data.val.text.slice(0, n),
    ids: data.val.captions.slice(0, n),
    real: true,
    custom: false,
    temperature: 1,
    seed: 0,
    models,
    step,
  });
}

/** `n` samples of a typed caption (`text`, its ids) for each arm at `step`, at `temperature`, seeded by the clock. */
export function captionSampleSet(
  runs: Run[],
  vq: VQVAE,
  images: ImageSplits,
  text: string,
  ids: number[],
  n: number,
  temperature: number,
  step: number,
): Promise<SampleSet> {
  return armSamples(runs, vq, images, {
    captions: Array(n).fill(text),
    ids: Array(n).fill(ids),
    real: false,
    custom: true,
    temperature,
    seed: Date.now() % 100000,
    step,
  });
}
