/**
 * Training a VQ tokenizer in the page: the shipped architecture from fresh weights on the chosen dataset's training
 * images, k-means initialised, with PSNR, code usage, perplexity and reconstructions of fixed validation images
 * streamed every few steps. One at a time; `stop` ends it after the current step.
 */
import * as tf from '@tensorflow/tfjs';
import { loadVQ } from '../core/checkpoint/vq';
import { DeviceImages } from '../core/data/images';
import { VQVAE } from '../core/nn/vqvae';
import { DEFAULT_VQ_TRAIN, VQTrainer, evaluateVQ } from '../core/vq/train';
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
    const model = new VQVAE(config, 0, `vq-page-${Date.now()}`);
    const train = new DeviceImages(splits.train, splits.trainCount, splits.size);
    const val = new DeviceImages(splits.val, splits.valCount, splits.size);
    const shown = Math.min(SHOWN, splits.valCount);
    const trainer = new VQTrainer(model, train, { ...DEFAULT_VQ_TRAIN, steps, warmupSteps: Math.min(DEFAULT_VQ_TRAIN.warmupSteps, Math.floor(steps / 10)), kmeansImages: Math.min(256, splits.trainCount) });
    const every = Math.max(5, Math.round(steps / 40));
    try {
      await trainer.initCodebook();
      let loss = NaN;
      while (trainer.step < steps && !this.stopping) {
        const read = (trainer.step + 1) % every === 0 || trainer.step + 1 === steps;
        const l = await trainer.trainStep(read);
        if (l) loss = l.total;
        if (read || trainer.step === 1) await this.report(model, val, trainer.step, steps, loss, shown, false);
        await new Promise((r) => setTimeout(r, 0));
      }
      await this.report(model, val, trainer.step, steps, loss, shown, true);
    } finally {
      trainer.dispose();
      train.dispose();
      val.dispose();
      model.dispose();
      this.running = false;
    }
  }

  private async report(model: VQVAE, val: DeviceImages, step: number, steps: number, loss: number, shown: number, done: boolean): Promise<void> {
    const m = await evaluateVQ(model, val);
    const idx = [...Array(shown).keys()];
    const [orig, recon] = tf.tidy(() => {
      const x = val.batch(idx);
      return [x, tf.clipByValue(model.decode(model.encode(x)), 0, 1)];
    });
    const [o, r] = (await Promise.all([orig.data(), recon.data()])) as Float32Array[];
    tf.dispose([orig, recon]);
    const size = model.config.imageSize;
    this.post({ type: 'vq-progress', id: null, step, steps, psnr: m.psnr, usage: m.code_usage, perplexity: m.perplexity, loss, originals: toPictures(o, size, shown), reconstructions: toPictures(r, size, shown), done });
  }
}
