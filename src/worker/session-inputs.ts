/**
 * The worker session's inputs and samples: the LM (shipped or picked), its tokenizer, the shipped VQ tokenizer and
 * the images, with a setup too big for the device refused before anything is allocated for the runs; and caption →
 * image samples of each arm (seed 0) for the page.
 */
import * as tf from '../core/tf';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { memorySource } from '../core/checkpoint/source';
import { loadVQWithKey } from '../core/data/codes';
import { estimateMemory, memoryRefusal, type MemoryLimit } from '../core/experiment/memory';
import type { ImageSplits } from '../core/experiment/prepare';
import type { Run } from '../core/experiment/runner';
import { sampleImages } from '../core/experiment/samples';
import type { GPT } from '../core/nn/gpt';
import type { VQVAE } from '../core/nn/vqvae';
import type { TextTokenizer } from '../core/tokenize/hf';
import { shippedModel, toPictures } from './browser-io';
import { splitsFor } from './datasets';
import type { SampleSet, WorkerCommand } from './protocol';
import { SHIPPED_MODELS } from '../core/shipped';

export interface PageInputs {
  lm: GPT;
  /** The LM's own tokenizer.json text, when it has one. */
  tokenizerJson: string | null;
  tokenizer: TextTokenizer;
  vq: VQVAE;
  /** The VQ tokenizer's key (core/data/codes.ts), for its cached codes. */
  vqKey: string;
  images: ImageSplits;
}

/**
 * Load what a start command names, telling `stage` each step (it may throw to cancel). Throws, before allocating any
 * run, when the setup's memory estimate exceeds `limit` (memory.ts). What was loaded before a throw is disposed.
 */
export async function loadPageInputs(
  cmd: Extract<WorkerCommand, { type: 'start' }>,
  stage: (what: string) => void,
  limit: MemoryLimit | null,
): Promise<PageInputs> {
  const cfg = cmd.config;
  stage('loading the pre-trained LM and the VQ tokenizer');
  const src =
    cmd.lm.kind === 'shipped' ? shippedModel(SHIPPED_MODELS.lm) : memorySource(cmd.lm.name, new Map(cmd.lm.files));
  const loaded = await loadGPT2(src, 'playground-lm');
  const lm = loaded.model;
  let vq: VQVAE | null = null;
  try {
    const tokenizer = await checkpointTokenizer(src, loaded.tokenizerJson, lm.config.vocabSize);
    const v = await loadVQWithKey(shippedModel(SHIPPED_MODELS.vq), 'playground-vq');
    vq = v.model;
    stage('loading the images');
    const images = await splitsFor(cmd.dataset, cfg);
    const estimate = estimateMemory(cfg, lm.config, {
      trainImages: images.trainCount,
      valImages: images.valCount,
      imageSize: images.size,
      imageTokens: vq.grid * vq.grid,
      imageCodes: vq.config.codebookSize,
    });
    const refusal = memoryRefusal(estimate, limit, tf.getBackend(), cfg);
    if (refusal) throw new Error(`Refused before allocating anything: ${refusal}.`);
    return { lm, tokenizerJson: loaded.tokenizerJson ?? null, tokenizer, vq, vqKey: v.key, images };
  } catch (e) {
    lm.dispose();
    vq?.dispose();
    throw e;
  }
}

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
