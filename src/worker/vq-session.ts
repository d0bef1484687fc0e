/**
 * Training a VQ tokenizer in the page: the shipped architecture from fresh weights on the chosen dataset's training
 * images, k-means initialised, with PSNR, code usage, perplexity and reconstructions of fixed validation images
 * streamed every few steps (core/vq/train-tokenizer.ts: the loop `npm run train-vq` runs). One at a time; `stop` ends
 * it after the current step.
 */
import * as tf from '../core/tf';
import { loadVQ } from '../core/checkpoint/vq';
import { DeviceImages } from '../core/data/images';
import type { VQVAE } from '../core/nn/vqvae';
import { evaluateVQ } from '../core/vq/train';
import { trainTokenizer } from '../core/vq/train-tokenizer';
import { shippedModel, toPictures } from './browser-io';
import { splitsFor } from './datasets';
import type { DatasetSpec, WorkerEvent } from './protocol';

const SHOWN = 8;

export class VQSession {
  private stopping = false;
  private running = false;

  constructor(private readonly post: (e: WorkerEvent) => void) {}

  stop(): void {
    this.stopping = true;
  }

  async train(dataset: DatasetSpec, steps: number): Promise<void> {
    if (this.running) throw new Error('a tokenizer is already training; stop it first');
    this.running = true;
    this.stopping = false;
    const shipped = (await loadVQ(shippedModel('vq-twemoji32'), 'vq-shape')).model;
    const config = { ...shipped.config };
    shipped.dispose();
    const splits = await splitsFor(dataset, { trainImages: 0, evalImages: 256, captionLevel: 'L2' });
    const train = new DeviceImages(splits.train, splits.trainCount, splits.size);
    const val = new DeviceImages(splits.val, splits.valCount, splits.size);
    const shown = Math.min(SHOWN, splits.valCount);
    const every = Math.max(5, Math.round(steps / 40));
    let loss = NaN;
    try {
      // The train-vq loop; k-means on at most 256 images keeps the page's start quick.
      const { model, steps: done } = await trainTokenizer(config, train, {
        train: { steps, kmeansImages: 256 },
        initSeed: 0,
        scope: `vq-page-${Date.now()}`,
        readEvery: every,
        stop: () => this.stopping,
        onStep: async (m, p) => {
          if (p.losses) loss = p.losses.total;
          if (p.losses || p.step === 1) await this.report(m, val, p.step, steps, loss, shown, false);
          await new Promise((r) => setTimeout(r, 0)); // let a stop message in
        },
      });
      try {
        await this.report(model, val, done, steps, loss, shown, true);
      } finally {
        model.dispose();
      }
    } finally {
      train.dispose();
      val.dispose();
      this.running = false;
    }
  }

  private async report(
    model: VQVAE,
    val: DeviceImages,
    step: number,
    steps: number,
    loss: number,
    shown: number,
    done: boolean,
  ): Promise<void> {
    const m = await evaluateVQ(model, val);
    const idx = [...Array(shown).keys()];
    const [orig, recon] = tf.tidy(() => {
      const x = val.batch(idx);
      return [x, tf.clipByValue(model.decode(model.encode(x)), 0, 1)];
    });
    const [o, r] = (await Promise.all([orig.data(), recon.data()])) as Float32Array[];
    tf.dispose([orig, recon]);
    const size = model.config.imageSize;
    this.post({
      type: 'vq-progress',
      id: null,
      step,
      steps,
      psnr: m.psnr,
      usage: m.code_usage,
      perplexity: m.perplexity,
      loss,
      originals: toPictures(o, size, shown),
      reconstructions: toPictures(r, size, shown),
      done,
    });
  }
}
