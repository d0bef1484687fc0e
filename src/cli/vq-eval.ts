/**
 * `npm run vq-eval -- --checkpoint DIR [--dataset PATH] [--style twemoji|noto] [--json]` (contract): evaluates a VQ
 * tokenizer on the emoji validation split, or on every image of a bring-your-own folder or zip, and prints
 * `{"psnr":…,"recon_mse":…,"code_usage":…,"perplexity":…,"images":N}`.
 */
import { initNodeBackend } from './backend-node';
import { loadVQ } from '../core/checkpoint/vq';
import { DeviceImages, compositeOnWhite } from '../core/data/images';
import type { EmojiStyle } from '../core/data/emoji';
import { evaluateVQ } from '../core/vq/train';
import { emojiSplits, loadByod } from './data/datasets';
import { UsageError, backendArg, dirSource, parseFlags, runCli } from './common';

async function main(): Promise<void> {
  const usage =
    'usage: npm run vq-eval -- --checkpoint DIR [--dataset PATH] [--style twemoji|noto] [--json] [--backend wasm|cpu|webgpu]';
  const { values: a } = parseFlags(
    {
      checkpoint: {
        type: 'string',
        value: 'DIR',
        required: true,
        description: 'a VQ-VAE checkpoint folder (config.json, model.safetensors)',
      },
      dataset: {
        type: 'string',
        value: 'PATH',
        description: 'a bring-your-own folder or .zip to evaluate on, all its images',
        defaultText: "the emoji's validation split",
      },
      style: {
        type: 'string',
        default: 'twemoji',
        value: 'twemoji|noto',
        description: 'which emoji images (without --dataset)',
      },
      json: {
        type: 'boolean',
        default: false,
        description: 'print {"psnr","recon_mse","code_usage","perplexity","images"} on one line',
      },
      backend: { type: 'string', default: 'wasm' },
    },
    usage,
    false,
    'Reconstruction quality of a VQ tokenizer: PSNR, MSE, code usage and code perplexity.',
  );
  if (!a.checkpoint) throw new UsageError(`--checkpoint is required; ${usage}`);
  const backend = backendArg(a.backend);
  if (!['twemoji', 'noto'].includes(a.style!)) throw new UsageError(`--style must be twemoji or noto, got ${a.style}`);
  const src = await dirSource(a.checkpoint);
  await initNodeBackend(backend);
  const { model } = await loadVQ(src);
  let pixels: Float32Array;
  let count: number;
  const size = model.config.imageSize;
  if (a.dataset) {
    const ds = await loadByod(a.dataset);
    if (ds.images[0].image.width !== size)
      throw new UsageError(
        `${a.dataset}: images load at ${ds.images[0].image.width} px; the tokenizer expects ${size}`,
      );
    count = ds.images.length;
    pixels = new Float32Array(count * size * size * 3);
    ds.images.forEach((im, i) => compositeOnWhite(im.image, pixels, i * size * size * 3));
  } else {
    const s = await emojiSplits(a.style as EmojiStyle);
    [pixels, count] = [s.val, s.valCount];
  }
  const images = new DeviceImages(pixels, count, size);
  const m = await evaluateVQ(model, images);
  const out = {
    psnr: m.psnr,
    recon_mse: m.recon_mse,
    code_usage: m.code_usage,
    perplexity: m.perplexity,
    images: m.images,
  };
  if (a.json) process.stdout.write(JSON.stringify(out) + '\n');
  else
    console.log(
      `PSNR ${m.psnr.toFixed(2)} dB, recon MSE ${m.recon_mse.toFixed(5)}, code usage ${(100 * m.code_usage).toFixed(1)}% of ${model.config.codebookSize}, perplexity ${m.perplexity.toFixed(1)}, ${m.images} images`,
    );
  images.dispose();
  model.dispose();
}

runCli('vq-eval', main);
