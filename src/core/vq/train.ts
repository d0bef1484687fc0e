/**
 * Training and evaluating the VQ-VAE: seeded batches gathered on the device, AdamW, k-means codebook
 * initialisation, dead-code restarts, and the metrics of docs/architecture.md §3 (recon MSE, PSNR, code usage,
 * perplexity).
 */
import * as tf from '../tf';
import { batchOrder } from '../data/corpus';
import type { DeviceImages } from '../data/images';
import { Rng } from '../nn/init';
import { AdamW, DEFAULT_ADAMW, type AdamWConfig } from '../nn/optim';
import type { VQVAE } from '../nn/vqvae';
import { CodeUsage, kmeans, restartCodes } from './codebook';

export interface VQTrainConfig {
  steps: number;
  batchSize: number;
  /** Peak learning rate (AdamW, no weight decay, warmup + cosine). */
  lr: number;
  warmupSteps: number;
  seed: number;
  /** Images whose encoder outputs seed the k-means initialisation (0: no k-means). */
  kmeansImages: number;
  kmeansIters: number;
}

export const DEFAULT_VQ_TRAIN: VQTrainConfig = {
  steps: 2500,
  batchSize: 32,
  lr: 1e-3,
  warmupSteps: 100,
  seed: 0,
  kmeansImages: 512,
  kmeansIters: 10,
};

export interface VQStepLosses {
  total: number;
  recon: number;
  codebook: number;
  commitment: number;
}

export interface VQMetrics {
  recon_mse: number;
  /** 10·log10(1 / mean MSE) over the split, images in [0, 1]. */
  psnr: number;
  /** Share of the K codes used at least once on the split. */
  code_usage: number;
  /** exp(entropy) of the code frequencies on the split. */
  perplexity: number;
  images: number;
  /** Uses of each code on the split. */
  histogram: number[];
}

export class VQTrainer {
  readonly optimizer: AdamW;
  readonly usage: CodeUsage;
  step = 0;
  restarted = 0;
  private readonly order: Generator<number[]>;
  private readonly rng: Rng;
  private lastZ: tf.Tensor2D | null = null;

  constructor(
    readonly model: VQVAE,
    readonly train: DeviceImages,
    readonly cfg: VQTrainConfig,
  ) {
    const opt: AdamWConfig = {
      ...DEFAULT_ADAMW,
      lr: cfg.lr,
      weightDecay: 0,
      warmupSteps: cfg.warmupSteps,
      totalSteps: cfg.steps,
      beta2: 0.99,
    };
    this.optimizer = new AdamW(model.params, opt, (name) => model.params.get(name)!.trainable);
    this.usage = new CodeUsage(model.config.codebookSize);
    this.order = batchOrder([...Array(train.count).keys()], Math.min(cfg.batchSize, train.count), cfg.seed);
    this.rng = new Rng(cfg.seed + 17);
  }

  /** k-means on the encoder outputs of the first `kmeansImages` training images, written into the codebook. */
  async initCodebook(): Promise<void> {
    const n = Math.min(this.cfg.kmeansImages, this.train.count);
    if (n === 0) return;
    const z = tf.tidy(() => {
      const x = this.train.batch([...Array(n).keys()]);
      const zc = this.model.encodeContinuous(x);
      return tf.reshape(zc, [-1, this.model.config.codeDim]) as tf.Tensor2D;
    });
    const centres = kmeans(z, this.model.config.codebookSize, this.cfg.kmeansIters, this.cfg.seed);
    z.dispose();
    this.model.setCodes([...Array(this.model.config.codebookSize).keys()], centres);
  }

  /** One update. With `read`, returns the loss terms (a device sync); otherwise null. */
  async trainStep(read: boolean): Promise<VQStepLosses | null> {
    const positions = this.order.next().value as number[];
    const x = this.train.batch(positions);
    let side: {
      ids: tf.Tensor1D;
      z: tf.Tensor2D;
      recon: tf.Scalar;
      codebook: tf.Scalar;
      commitment: tf.Scalar;
    } | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const r = this.model.losses(x);
      side = {
        ids: r.ids,
        z: r.z,
        recon: tf.keep(r.recon),
        codebook: tf.keep(r.codebook),
        commitment: tf.keep(r.commitment),
      };
      return r.total;
    }, this.optimizer.variables());
    this.optimizer.apply(grads).dispose();
    tf.dispose(grads);
    x.dispose();
    const s = side!;
    this.model.emaUpdate(s.ids, s.z);
    this.usage.add(s.ids);
    s.ids.dispose();
    this.lastZ?.dispose();
    this.lastZ = s.z;
    this.step++;
    const every = this.model.config.deadCodeSteps;
    if (every > 0 && this.step % every === 0)
      this.restarted += await restartCodes(this.model, await this.usage.unusedAndReset(), this.lastZ, this.rng);
    let out: VQStepLosses | null = null;
    if (read) {
      const [t, r, c, m] = await Promise.all([value.data(), s.recon.data(), s.codebook.data(), s.commitment.data()]);
      out = { total: t[0], recon: r[0], codebook: c[0], commitment: m[0] };
    }
    tf.dispose([value, s.recon, s.codebook, s.commitment]);
    return out;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.usage.dispose();
    this.lastZ?.dispose();
  }
}

/** Reconstruction and code statistics of a model on a set of images. */
export async function evaluateVQ(model: VQVAE, images: DeviceImages, batch = 256): Promise<VQMetrics> {
  const K = model.config.codebookSize;
  const hist = new Array<number>(K).fill(0);
  let sse = 0;
  let values = 0;
  for (let start = 0; start < images.count; start += batch) {
    const pos = [...Array(Math.min(batch, images.count - start)).keys()].map((i) => i + start);
    const [ids, err] = tf.tidy(() => {
      const x = images.batch(pos);
      const codes = model.encode(x);
      const recon = model.decode(codes);
      return [codes, tf.sum(tf.square(tf.sub(recon, x)))];
    });
    const [idv, ev] = await Promise.all([ids.data(), err.data()]);
    tf.dispose([ids, err]);
    for (const id of idv) hist[id]++;
    sse += ev[0];
    values += pos.length * model.config.imageSize * model.config.imageSize * 3;
  }
  const mse = sse / values;
  const total = hist.reduce((a, b) => a + b, 0);
  let entropy = 0;
  for (const h of hist) if (h > 0) entropy -= (h / total) * Math.log(h / total);
  return {
    recon_mse: mse,
    psnr: 10 * Math.log10(1 / mse),
    code_usage: hist.filter((h) => h > 0).length / K,
    perplexity: Math.exp(entropy),
    images: images.count,
    histogram: hist,
  };
}
