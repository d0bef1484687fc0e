/**
 * The worker session's inputs: the LM (shipped or picked), its tokenizer, the shipped VQ tokenizer and the images,
 * with a setup too big for the device refused before anything is allocated for the runs. (Its samples for the page:
 * session-samples.ts.)
 */
import * as tf from '../core/tf';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { memorySource } from '../core/checkpoint/source';
import { loadVQWithKey } from '../core/data/codes';
import { estimateMemory, memoryRefusal, type MemoryLimit } from '../core/experiment/memory';
import type { ImageSplits } from '../core/experiment/prepare';
import type { GPT } from '../core/nn/gpt';
import type { VQVAE } from '../core/nn/vqvae';
import type { TextTokenizer } from '../core/tokenize/hf';
import { shippedModel } from './browser-io';
import { splitsFor } from './datasets';
import type { WorkerCommand } from './protocol';
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
