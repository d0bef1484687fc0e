/**
 * `npm run train-vq -- [--out DIR] [--style twemoji|noto | --dataset PATH] [--steps N] [--batch B] [--codes K] ...`
 * Trains the VQ-VAE image tokenizer, logging vq/* metrics on the validation split every --eval-every steps (to the
 * console and DIR/metrics.jsonl), and writes DIR/model.safetensors, DIR/config.json (the exact command, data, steps,
 * time and final metrics), DIR/usage.json (code-use histogram) and DIR/reconstructions.png (originals above,
 * reconstructions below). The directory is rewritten at every evaluation, so an interrupted run leaves a usable one.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../core/tf';
import { PNG } from 'pngjs';
import { initNodeBackend } from './backend-node';
import { DeviceImages } from '../core/data/images';
import type { EmojiStyle } from '../core/data/emoji';
import { DEFAULT_VQ_CONFIG, type VQVAE, type VQVAEConfig } from '../core/nn/vqvae';
import { DEFAULT_VQ_TRAIN, evaluateVQ, type VQMetrics } from '../core/vq/train';
import { trainTokenizer } from '../core/vq/train-tokenizer';
import { reconstructionGrid } from '../core/vq/grid';
import { saveVQ } from '../core/checkpoint/vq';
import { METRICS } from '../core/metrics';
import { emojiSplits, loadByod } from './data/datasets';
import { byodSplits } from '../core/experiment/prepare';
import {
  UsageError,
  backendArg,
  intArg as int,
  numberArg,
  parseFlags,
  runCli,
  seedArg,
  writeFileAtomic,
} from './common';

async function main(): Promise<void> {
  const usage =
    'usage: npm run train-vq -- [--out DIR] [--style twemoji|noto | --dataset PATH] [--steps N] [--batch B] [--lr LR] [--codes K] [--code-dim D] [--channels C] [--no-ema] [--seed S] [--eval-every N] [--backend wasm|cpu|webgpu]';
  const { values: a } = parseFlags(
    {
      out: {
        type: 'string',
        default: 'public/models/vq-twemoji32',
        value: 'DIR',
        description: 'where the tokenizer, metrics.jsonl, usage.json and reconstructions.png go',
      },
      style: {
        type: 'string',
        default: 'twemoji',
        value: 'twemoji|noto',
        description: 'which emoji images to train on (without --dataset)',
      },
      dataset: {
        type: 'string',
        value: 'PATH',
        description: 'train on a bring-your-own folder or .zip of captioned images instead',
        defaultText: 'the emoji',
      },
      steps: { type: 'string', default: String(DEFAULT_VQ_TRAIN.steps), value: 'N', description: 'training steps' },
      batch: {
        type: 'string',
        default: String(DEFAULT_VQ_TRAIN.batchSize),
        value: 'B',
        description: 'images per step',
      },
      lr: {
        type: 'string',
        default: String(DEFAULT_VQ_TRAIN.lr),
        value: 'LR',
        description: 'learning rate, in (0, 1]',
      },
      codes: {
        type: 'string',
        default: String(DEFAULT_VQ_CONFIG.codebookSize),
        value: 'K',
        description: 'codebook size, 64 to 2048',
      },
      'code-dim': {
        type: 'string',
        default: String(DEFAULT_VQ_CONFIG.codeDim),
        value: 'D',
        description: 'code vector width, 8 to 256',
      },
      channels: {
        type: 'string',
        default: String(DEFAULT_VQ_CONFIG.channels),
        value: 'C',
        description: 'convolution channels, 4 to 256',
      },
      'no-ema': {
        type: 'boolean',
        default: false,
        description: 'learn the codebook by gradient instead of an exponential moving average',
      },
      seed: { type: 'string', default: '0' },
      'eval-every': {
        type: 'string',
        default: '250',
        value: 'N',
        description: 'steps between validation metrics (the folder is rewritten at each)',
      },
      backend: { type: 'string', default: 'wasm' },
    },
    usage,
    false,
    'Trains the VQ-VAE image tokenizer (32×32 images → 8×8 codes), logging vq/* metrics on the validation split.',
  );
  if (!['twemoji', 'noto'].includes(a.style!)) throw new UsageError(`--style must be twemoji or noto, got ${a.style}`);
  const config: VQVAEConfig = {
    ...DEFAULT_VQ_CONFIG,
    codebookSize: int(a.codes, 'codes', 64, 2048),
    codeDim: int(a['code-dim'], 'code-dim', 8, 256),
    channels: int(a.channels, 'channels', 4, 256),
    ema: !a['no-ema'],
  };
  const steps = int(a.steps, 'steps', 1, 1_000_000);
  const evalEvery = int(a['eval-every'], 'eval-every', 1, 1_000_000);
  const lr = numberArg(a.lr, 'lr', 0, 1);
  const seed = seedArg(a.seed);
  const batchSize = int(a.batch, 'batch', 1, 4096);
  const choice = await initNodeBackend(backendArg(a.backend));
  const data = a.dataset ? byodSplits(await loadByod(a.dataset)) : await emojiSplits(a.style as EmojiStyle);
  if (data.size !== config.imageSize)
    throw new UsageError(
      `images are ${data.size}×${data.size}; this VQ-VAE expects ${config.imageSize}×${config.imageSize}`,
    );
  const train = new DeviceImages(data.train, data.trainCount, data.size);
  const val = new DeviceImages(data.val, data.valCount, data.size);
  const command = `npm run train-vq -- ${process.argv.slice(2).join(' ')}`.trim();
  console.log(
    `train-vq: ${data.name}, ${data.trainCount} train / ${data.valCount} val images, K=${config.codebookSize} D=${config.codeDim} C=${config.channels}${config.ema ? ' EMA' : ''}, ${steps} steps on ${choice.backend}`,
  );
  mkdirSync(a.out!, { recursive: true });
  const log = join(a.out!, 'metrics.jsonl');
  writeFileSync(log, '');
  const t0 = performance.now();
  const save = (model: VQVAE, m: VQMetrics, step: number, restarted: number) => {
    const seconds = (performance.now() - t0) / 1000;
    const metrics = {
      [METRICS.vqReconMse]: m.recon_mse,
      [METRICS.vqPsnr]: m.psnr,
      [METRICS.vqCodeUsage]: m.code_usage,
      [METRICS.vqPerplexity]: m.perplexity,
    };
    // Each file is replaced whole (temporary file + rename), config.json last: an interrupted run leaves a usable pair.
    const files = saveVQ(model, {
      metrics,
      provenance: {
        command,
        data: data.name,
        trainImages: data.trainCount,
        valImages: data.valCount,
        steps: step,
        batchSize,
        lr,
        seconds: Math.round(seconds),
        backend: choice.backend,
        restartedCodes: restarted,
      },
    });
    for (const name of ['model.safetensors', 'config.json']) writeFileAtomic(join(a.out!, name), files.get(name)!);
    writeFileAtomic(
      join(a.out!, 'usage.json'),
      JSON.stringify({ split: 'val', images: m.images, histogram: m.histogram }) + '\n',
    );
    const n = Math.min(32, val.count);
    const [orig, rec] = tf.tidy(() => {
      const x = val.batch([...Array(n).keys()]);
      return [x, model.decode(model.encode(x))];
    });
    const grid = reconstructionGrid(
      orig.dataSync() as Float32Array,
      rec.dataSync() as Float32Array,
      n,
      data.size,
      16,
      2,
    );
    tf.dispose([orig, rec]);
    const png = new PNG({ width: grid.width, height: grid.height });
    png.data.set(grid.data);
    writeFileAtomic(join(a.out!, 'reconstructions.png'), PNG.sync.write(png, { deflateLevel: 9 }));
  };
  const { model } = await trainTokenizer(config, train, {
    train: { steps, batchSize, lr, seed },
    readEvery: 50,
    onStep: async (m, p) => {
      if (p.losses)
        console.log(
          `  step ${p.step}: loss ${p.losses.total.toFixed(4)} (recon ${p.losses.recon.toFixed(4)}), ${((performance.now() - t0) / p.step).toFixed(0)} ms/step`,
        );
      if (p.step % evalEvery !== 0 && p.step !== p.steps) return;
      const last = await evaluateVQ(m, val);
      appendFileSync(
        log,
        JSON.stringify({
          step: p.step,
          seconds: Math.round((performance.now() - t0) / 1000),
          [METRICS.vqReconMse]: last.recon_mse,
          [METRICS.vqPsnr]: last.psnr,
          [METRICS.vqCodeUsage]: last.code_usage,
          [METRICS.vqPerplexity]: last.perplexity,
        }) + '\n',
      );
      console.log(
        `  eval @${p.step}: PSNR ${last.psnr.toFixed(2)} dB, MSE ${last.recon_mse.toFixed(5)}, usage ${(100 * last.code_usage).toFixed(1)}%, perplexity ${last.perplexity.toFixed(1)}, restarted ${p.restarted}`,
      );
      save(m, last, p.step, p.restarted);
    },
  });
  console.log(`train-vq: done in ${((performance.now() - t0) / 60000).toFixed(1)} min → ${a.out}`);
  model.dispose();
  train.dispose();
  val.dispose();
}

runCli('train-vq', main);
