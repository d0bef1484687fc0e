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
import { loadVQ } from '../core/checkpoint/vq';
import { captionOf, LEVELS, splitIndices, type CaptionLevel } from '../core/data/captions';
import { loadEmojiDataset } from '../core/data/emoji';
import { AUSTEN_BOOKS, ENGLISH_TEXTS, tokenStream } from '../core/data/corpus';
import { DeviceImages } from '../core/data/images';
import { PRESETS, type ExperimentConfig } from '../core/experiment/config';
import { encodeImages, type ExperimentData, type Split } from '../core/experiment/data';
import { newRows, planVocab } from '../core/experiment/extend';
import { alignImageRows, DEFAULT_ALIGN } from '../core/experiment/alignment';
import { VQVAE } from '../core/nn/vqvae';
import { DEFAULT_VQ_TRAIN, VQTrainer, evaluateVQ } from '../core/vq/train';
import { ExperimentRunner, type MetricRecord } from '../core/experiment/runner';
import { restoreRun, saveRun } from '../core/experiment/resume';
import { buildReport, metricsCsv } from '../core/experiment/report';
import { analysisSection, heatmapSection, qualitySection, reportHtml, samplesSection } from '../core/experiment/html';
import { METRICS } from '../core/metrics';
import { sampleImages } from '../core/experiment/samples';
import { analyse, qualityFigure } from '../core/experiment/extras';
import { PNG } from 'pngjs';
import { loadByod, splitByod } from './data/datasets';
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
  let { model: vq } = await loadVQ(await dirSource(a.vq!));
  const log = (s: string) => console.log(s);

  // Images → codes; captions → ids.
  let categories: { train: string[]; val: string[] } | null = null;
  let trainPixels: Float32Array, valPixels: Float32Array, trainText: string[], valText: string[], nTrain: number, nVal: number;
  if (a.dataset) {
    const s = splitByod(await loadByod(a.dataset));
    [trainPixels, valPixels, nTrain, nVal, trainText, valText] = [s.train, s.val, s.trainCount, s.valCount, s.trainCaptions!, s.valCaptions!];
    if (a['train-vq']) {
      // A tokenizer of the shipped architecture, trained on these images (the train-vq defaults, fewer steps).
      const config = { ...vq.config };
      vq.dispose();
      vq = new VQVAE(config, 0);
      const imgs = new DeviceImages(trainPixels, nTrain, config.imageSize);
      const trainer = new VQTrainer(vq, imgs, { ...DEFAULT_VQ_TRAIN, steps: Math.min(DEFAULT_VQ_TRAIN.steps, 50 * Math.ceil(nTrain / DEFAULT_VQ_TRAIN.batchSize) + 100) });
      await trainer.initCodebook();
      while (trainer.step < trainer.cfg.steps) await trainer.trainStep(false);
      const m = await evaluateVQ(vq, imgs);
      log(`replicate: trained a VQ tokenizer on ${nTrain} images for ${trainer.step} steps: PSNR ${m.psnr.toFixed(2)} dB, code usage ${(100 * m.code_usage).toFixed(1)}%`);
      trainer.dispose();
      imgs.dispose();
    }
  } else {
    const ds = await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji');
    let tr = splitIndices(ds.captions.items, 'train');
    if (cfg.trainImages > 0 && cfg.trainImages < tr.length) tr = tr.filter((_, k) => k % Math.ceil(tr.length / cfg.trainImages) === 0); // evenly spread
    const va = splitIndices(ds.captions.items, 'val').slice(0, cfg.evalImages > 0 ? cfg.evalImages : undefined);
    [trainPixels, valPixels, nTrain, nVal] = [ds.pixels(tr), ds.pixels(va), tr.length, va.length];
    trainText = tr.map((i) => captionOf(ds.captions.items[i], cfg.captionLevel));
    valText = va.map((i) => captionOf(ds.captions.items[i], cfg.captionLevel));
    const category = (i: number) => captionOf(ds.captions.items[i], 'L0').split(',')[0];
    categories = { train: tr.map(category), val: va.map(category) };
  }
  const size = vq.config.imageSize;
  const encode = async (pixels: Float32Array, n: number) => {
    const imgs = new DeviceImages(pixels, n, size);
    const codes = await encodeImages(vq, imgs);
    imgs.dispose();
    return codes;
  };
  const split = async (pixels: Float32Array, n: number, text: string[]): Promise<Split> => ({ codes: await encode(pixels, n), captions: text.map((t) => tokenizer.encode(t)), text, count: n });
  const dec = new TextDecoder();
  const english = new Map(await Promise.all(ENGLISH_TEXTS.map(async (s) => [s.id, tokenStream(tokenizer, dec.decode(await readPublicData(s.file)))] as const)));
  const data: ExperimentData = {
    plan: planVocab(lm.config.vocabSize, tokenizer.special, vq.config.codebookSize),
    imageTokens: vq.grid * vq.grid,
    train: await split(trainPixels, nTrain, trainText),
    val: await split(valPixels, nVal, valText),
    english: {
      train: Int32Array.from(AUSTEN_BOOKS.filter((b) => b.role === 'train').flatMap((b) => Array.from(english.get(b.id)!))),
      heldout: Array.from(english.get('persuasion')!),
      ood: Array.from(english.get('moby-dick')!),
    },
  };
  const meanCaption = data.train.captions.reduce((s, c) => s + Math.min(c.length, cfg.captionBudget), 0) / data.train.count;
  log(`replicate: preset ${cfg.preset}, ${cfg.seeds} seed(s) × arms ${cfg.arms.join(', ')}, ${cfg.steps} steps of ${cfg.batchSize} on ${choice.backend}; ${data.train.count} train / ${data.val.count} val images; captions ${a.dataset ? 'from the dataset' : cfg.captionLevel}, ${meanCaption.toFixed(1)} tokens on average (image:text ${(data.imageTokens / meanCaption).toFixed(1)}:1)`);

  // Aligned new rows, per seed: random rows for any appended special token, then the contrastive image rows.
  const alignedRows: Float32Array[] = [];
  if (cfg.rowInit === 'aligned') {
    const d = lm.config.nEmbd;
    const wte = (await lm.params.get('transformer.wte.weight')!.data()) as Float32Array;
    for (let seed = 0; seed < cfg.seeds; seed++) {
      const specials = newRows(wte, data.plan.textVocab, d, data.plan.appendedSpecials.length, 'random', seed);
      const { rows, loss } = await alignImageRows(wte, d, data.train.captions, data.train.codes, data.imageTokens, data.plan.imageCodes, { ...DEFAULT_ALIGN, seed });
      log(`replicate: aligned image rows for seed ${seed} (contrastive loss ${loss.toFixed(3)})`);
      const all = new Float32Array(specials.length + rows.length);
      all.set(specials);
      all.set(rows, specials.length);
      alignedRows.push(all);
    }
  }
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
    const stepOf = new Map(runner.runs.map((r) => [`${r.arm.name}/${r.seed}`, r.step]));
    earlier = saved.filter((r) => r.step <= (stepOf.get(`${r.arm}/${r.seed}`) ?? 0) && (stepOf.get(`${r.arm}/${r.seed}`) ?? 0) > 0);
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

  // Samples and the quality figure: the same validation captions for every arm (seed 0), decoded by the VQ tokenizer,
  // judged by a category classifier trained on the real images (emoji only: bring-your-own data has no categories).
  const sections: string[] = [];
  const imageLossByPosition: Record<string, number[]> = {};
  for (const name of cfg.arms) {
    const evals = runner.runs.filter((r) => r.arm.name === name && r.lastEval).map((r) => r.lastEval!.imageLossByPosition);
    if (evals.length) imageLossByPosition[name] = evals[0].map((_, p) => evals.reduce((s, e) => s + e[p], 0) / evals.length);
  }
  sections.push(heatmapSection(imageLossByPosition));
  const nGen = Math.min(Math.max(cfg.samples, cfg.qualitySamples), data.val.count);
  const generated = new Map<string, Float32Array>();
  for (const run of runner.runs.filter((r) => r.seed === 0 && !r.arm.imageOnly && !r.stopped))
    generated.set(run.arm.name, (await sampleImages(run.model, vq, run.spec, data.val.captions.slice(0, nGen), { temperature: 1, topK: 0, seed: 0 })).pixels);
  vq.dispose();
  const nShow = Math.min(cfg.samples, nGen);
  const urls = (px: Float32Array) => Array.from({ length: nShow }, (_, i) => pngDataUrl(px.subarray(i * size * size * 3, (i + 1) * size * size * 3), size));
  if (nShow > 0) sections.push(samplesSection(data.val.text.slice(0, nShow), [['real', urls(valPixels)], ...[...generated].map(([arm, px]) => [arm, urls(px)] as [string, string[]])]));
  const quality = categories ? await qualityFigure({ train: trainPixels, trainCount: nTrain, val: valPixels, valCount: nVal, size }, categories, generated, nGen, cfg.classifierSteps) : null;
  if (quality) sections.push(qualitySection(quality));
  const corpus = (await Promise.all(AUSTEN_BOOKS.filter((b) => b.role === 'train').map(async (b) => dec.decode(await readPublicData(b.file))))).join('\n');
  const analysis = await analyse(cfg, data, lm, corpus);
  sections.push(analysisSection(analysis));
  const seconds = (performance.now() - t0) / 1000;
  const stopped = runner.runs.filter((r) => r.stopped).map((r) => r.stopped);
  const report = buildReport(cfg, records, { analysis, quality, imageLossByPosition, seconds: Math.round(seconds), backend: choice.backend, lm: a.lm, vq: a.vq, dataset: a.dataset ?? 'emoji-twemoji', trainImages: data.train.count, valImages: data.val.count, meanCaptionTokens: meanCaption, imageTokens: data.imageTokens, stopped, command: `npm run replicate -- ${process.argv.slice(2).join(' ')}` });
  writeFileSync(join(a.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(a.out, 'metrics.csv'), metricsCsv(records));
  writeFileSync(join(a.out, 'sections.html'), sections.join('\n'));
  writeFileSync(join(a.out, 'report.html'), reportHtml(report, records, sections));
  for (const eff of [report.effects.image_loss, report.effects.caption_gap, report.effects.forgetting]) log(`  ${eff.sentence}`);
  log(`replicate: done in ${(seconds / 60).toFixed(1)} min → ${a.out}/report.html`);
  runner.dispose();
  lm.dispose();
}

runCli('replicate', main);
