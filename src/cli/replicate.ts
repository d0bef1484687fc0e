/**
 * `npm run replicate -- --preset smoke|cpu|classroom|replication --out DIR [--seeds N] [--dataset PATH]
 *   [--caption-level L0…L4] [--backend wasm|cpu|webgpu] [--lm DIR] [--vq DIR] [--row-init R] [--train-vq]
 *   [--stop-at STEP] [--resume]`
 *   (contract, design.md §6)
 * Fine-tunes the pre-trained LM and the same GPT from random weights, side by side, on [caption][image tokens],
 * and writes DIR/report.json, DIR/metrics.csv (arm,seed,step,tokens,metric,value), DIR/report.html and
 * DIR/checkpoints/<arm>-s<seed>/ (resumable: --resume continues each run from its last checkpoint, keeping the
 * metrics logged up to it in DIR/metrics.partial.jsonl).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initNodeBackend } from '../core/backend-node';
import type { BackendName } from '../core/backend';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { loadVQWithKey, shippedEmojiCodes } from '../core/data/codes';
import { LEVELS, type CaptionLevel } from '../core/data/captions';
import { loadEmojiDataset } from '../core/data/emoji';
import { DeviceImages } from '../core/data/images';
import { PRESETS, type ExperimentConfig } from '../core/experiment/config';
import { byodSplits, emojiSplits, prepareExperiment, pretrainingCorpus, type ImageSplits } from '../core/experiment/prepare';
import { finishExperiment } from '../core/experiment/finish';
import { evaluateVQ } from '../core/vq/train';
import { byodTokenizerSteps, trainTokenizer } from '../core/vq/train-tokenizer';
import { ExperimentRunner, type MetricRecord } from '../core/experiment/runner';
import { restoreRun, saveRun } from '../core/experiment/resume';
import { recordsToResume, restoredSteps } from '../core/experiment/resume-records';
import { metricsCsv } from '../core/experiment/report';
import { METRICS } from '../core/metrics';
import { PNG } from 'pngjs';
import { loadByod } from './data/datasets';
import { readPublicData } from './data/public-data';
import { decodePngNode } from './image-decode';
import { UsageError, dirSource, runCli } from './common';

/** An [S, S, 3] image in [0, 1] as a PNG data URL (for report.html). */
function pngDataUrl(pixels: Float32Array, size: number): string {
  const png = new PNG({ width: size, height: size });
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) png.data[4 * p + c] = Math.round(255 * Math.min(1, Math.max(0, pixels[3 * p + c])));
    png.data[4 * p + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      preset: { type: 'string' },
      out: { type: 'string' },
      seeds: { type: 'string' },
      dataset: { type: 'string' },
      'caption-level': { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      lm: { type: 'string', default: 'public/models/lm-austen' },
      vq: { type: 'string', default: 'public/models/vq-twemoji32' },
      'row-init': { type: 'string' },
      'train-vq': { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      'stop-at': { type: 'string' },
    },
  });
  const usage = 'usage: npm run replicate -- --preset smoke|cpu|classroom|replication --out DIR [--seeds N] [--dataset PATH] [--caption-level L0…L4] [--backend B]';
  if (!a.preset || !PRESETS[a.preset]) throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}; ${usage}`);
  if (!a.out) throw new UsageError(`--out is required; ${usage}`);
  const cfg: ExperimentConfig = { ...PRESETS[a.preset] };
  if (a.seeds !== undefined) {
    const n = Number(a.seeds);
    if (!Number.isInteger(n) || n < 1 || n > 20) throw new UsageError(`--seeds must be an integer in [1, 20], got ${a.seeds}`);
    cfg.seeds = n;
  }
  if (a['caption-level'] !== undefined) {
    if (!(LEVELS as readonly string[]).includes(a['caption-level'])) throw new UsageError(`--caption-level must be one of ${LEVELS.join(', ')}, got ${a['caption-level']}`);
    cfg.captionLevel = a['caption-level'] as CaptionLevel;
  }
  if (a['row-init'] !== undefined) {
    if (!['random', 'mean', 'aligned'].includes(a['row-init'])) throw new UsageError(`--row-init must be random, mean or aligned, got ${a['row-init']}`);
    cfg.rowInit = a['row-init'] as ExperimentConfig['rowInit'];
  }
  if (a['train-vq'] && !a.dataset) throw new UsageError('--train-vq trains a tokenizer on a bring-your-own --dataset; the emoji use the shipped one');
  const t0 = performance.now();
  const choice = await initNodeBackend(a.backend as BackendName);
  const lmSrc = await dirSource(a.lm!).catch(() => {
    throw new UsageError(`${a.lm}: no pre-trained LM there; run npm run pretrain (or pass --lm DIR with a GPT-2-layout checkpoint)`);
  });
  const { model: lm } = await loadGPT2(lmSrc, 'replicate-lm');
  const tokenizer = await checkpointTokenizer(lmSrc);
  const loaded = await loadVQWithKey(await dirSource(a.vq!));
  let vq = loaded.model;
  const log = (s: string) => console.log(s);

  // Images → codes (the shipped emoji's pre-computed codes when they belong to this tokenizer); captions → ids.
  let images: ImageSplits;
  let codes: Int32Array | null = null;
  if (a.dataset) {
    images = byodSplits(await loadByod(a.dataset));
    if (a['train-vq']) {
      // A tokenizer of the shipped architecture, trained on these images (the train-vq loop, fewer steps).
      const config = { ...vq.config };
      vq.dispose();
      const imgs = new DeviceImages(images.train, images.trainCount, config.imageSize);
      const trained = await trainTokenizer(config, imgs, { train: { steps: byodTokenizerSteps(images.trainCount) }, readEvery: Number.POSITIVE_INFINITY });
      vq = trained.model;
      const m = await evaluateVQ(vq, imgs);
      log(`replicate: trained a VQ tokenizer on ${images.trainCount} images for ${trained.steps} steps: PSNR ${m.psnr.toFixed(2)} dB, code usage ${(100 * m.code_usage).toFixed(1)}%`);
      imgs.dispose();
    }
  } else {
    images = emojiSplits(await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji'), cfg);
    const shipped = await shippedEmojiCodes(readPublicData, 'twemoji', loaded.key, vq.config.codebookSize);
    if (shipped.codes) codes = shipped.codes;
    else log(`replicate: encoding every image: ${shipped.why}`);
  }
  const { data, meanCaption, alignedRows } = await prepareExperiment(cfg, images, lm, tokenizer, vq, readPublicData, (s) => log(`replicate: ${s}`), { codes });
  log(`replicate: preset ${cfg.preset}, ${cfg.seeds} seed(s) × arms ${cfg.arms.join(', ')}, ${cfg.steps} steps of ${cfg.batchSize} on ${choice.backend}; ${data.train.count} train / ${data.val.count} val images; captions ${a.dataset ? 'from the dataset' : cfg.captionLevel}, ${meanCaption.toFixed(1)} tokens on average (image:text ${(data.imageTokens / meanCaption).toFixed(1)}:1)`);

  mkdirSync(join(a.out, 'checkpoints'), { recursive: true });
  const partial = join(a.out, 'metrics.partial.jsonl');
  const runner = new ExperimentRunner(cfg, data, lm, {
    log,
    onMetrics: (recs) => {
      appendFileSync(partial, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const r = recs.find((m) => m.metric === METRICS.valImageLoss);
      if (r) {
        const txt = recs.find((m) => m.metric === METRICS.valTextLoss);
        const en = recs.find((m) => m.metric === METRICS.valEnglishLoss)!;
        log(`  ${r.arm} s${r.seed} @${r.step}: val image ${r.value.toFixed(3)}${txt ? `, caption ${txt.value.toFixed(3)}` : ''}, English ppl ${Math.exp(en.value).toFixed(1)}`);
      }
    },
    onCheckpoint: (run) => {
      const dir = join(a.out!, 'checkpoints', `${run.arm.name}-s${run.seed}`);
      mkdirSync(dir, { recursive: true });
      for (const [name, bytes] of saveRun(run, data.plan)) writeFileSync(join(dir, name), bytes);
    },
  }, alignedRows);
  // --resume: put each run's last checkpoint back and keep the metrics logged up to it.
  let earlier: MetricRecord[] = [];
  if (a.resume && existsSync(partial)) {
    const saved = readFileSync(partial, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricRecord);
    for (const run of runner.runs) {
      const dir = join(a.out, 'checkpoints', `${run.arm.name}-s${run.seed}`);
      if (!existsSync(join(dir, 'run.json'))) continue;
      const files = new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
      await restoreRun(runner, files, dir);
      log(`replicate: resumed ${run.arm.name} seed ${run.seed} at step ${run.step}`);
    }
    earlier = recordsToResume(saved, restoredSteps(runner));
  }
  writeFileSync(partial, earlier.map((r) => JSON.stringify(r)).join('\n') + (earlier.length ? '\n' : ''));
  const stopAt = a['stop-at'] === undefined ? cfg.steps : Number(a['stop-at']);
  if (!Number.isInteger(stopAt) || stopAt < 1) throw new UsageError(`--stop-at must be a positive integer, got ${a['stop-at']}`);
  const records = [...earlier, ...(await runner.runAll(stopAt))];
  if (stopAt < cfg.steps) {
    log(`replicate: stopped at step ${stopAt} of ${cfg.steps} as asked; continue with --resume`);
    runner.dispose();
    lm.dispose();
    vq.dispose();
    return;
  }

  // Samples, quality figure, analysis and the report with its verdict (the core's, shared with the playground).
  const corpus = await pretrainingCorpus(readPublicData);
  const fin = await finishExperiment(runner, { cfg, data, images, lm, vq, corpus, encodePng: pngDataUrl, log: (s) => log(`replicate: ${s}`), startedAt: t0 }, records, { backend: choice.backend, lm: a.lm, vq: a.vq, dataset: a.dataset ?? images.name, meanCaptionTokens: meanCaption, command: `npm run replicate -- ${process.argv.slice(2).join(' ')}` });
  vq.dispose();
  const { report } = fin;
  writeFileSync(join(a.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(a.out, 'metrics.csv'), metricsCsv(records));
  writeFileSync(join(a.out, 'sections.html'), fin.sections.join('\n'));
  writeFileSync(join(a.out, 'report.html'), fin.html);
  for (const eff of [report.effects.image_loss, report.effects.caption_gap, report.effects.forgetting]) log(`  ${eff.sentence}`);
  log(`replicate: done in ${((performance.now() - t0) / 60_000).toFixed(1)} min → ${a.out}/report.html`);
  runner.dispose();
  lm.dispose();
}

runCli('replicate', main);
