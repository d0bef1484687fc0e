/**
 * `npm run replicate -- --preset smoke|cpu|classroom|replication --out DIR [--seeds N] [--dataset PATH]
 *   [--caption-level L0…L4] [--backend wasm|cpu|webgpu] [--lm DIR] [--vq DIR]` (contract, design.md §6)
 * Fine-tunes the pre-trained LM and the same GPT from random weights, side by side, on [caption][image tokens],
 * and writes DIR/report.json, DIR/metrics.csv (arm,seed,step,tokens,metric,value), DIR/report.html and
 * DIR/checkpoints/<arm>-s<seed>/ (resumable).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
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
import { planVocab } from '../core/experiment/extend';
import { ExperimentRunner } from '../core/experiment/runner';
import { saveRun } from '../core/experiment/resume';
import { buildReport, metricsCsv } from '../core/experiment/report';
import { reportHtml } from '../core/experiment/html';
import { METRICS } from '../core/metrics';
import { loadByod, splitByod } from './data/datasets';
import { readPublicData } from './data/public-data';
import { decodePngNode } from './image-decode';
import { UsageError, dirSource, runCli } from './common';

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
  const t0 = performance.now();
  const choice = await initNodeBackend(a.backend as BackendName);
  const lmSrc = await dirSource(a.lm!).catch(() => {
    throw new UsageError(`${a.lm}: no pre-trained LM there; run npm run pretrain (or pass --lm DIR with a GPT-2-layout checkpoint)`);
  });
  const { model: lm } = await loadGPT2(lmSrc, 'replicate-lm');
  const tokenizer = await checkpointTokenizer(lmSrc);
  const { model: vq } = await loadVQ(await dirSource(a.vq!));
  const log = (s: string) => console.log(s);

  // Images → codes; captions → ids.
  let trainPixels: Float32Array, valPixels: Float32Array, trainText: string[], valText: string[], nTrain: number, nVal: number;
  if (a.dataset) {
    const s = splitByod(await loadByod(a.dataset));
    [trainPixels, valPixels, nTrain, nVal, trainText, valText] = [s.train, s.val, s.trainCount, s.valCount, s.trainCaptions!, s.valCaptions!];
  } else {
    const ds = await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji');
    let tr = splitIndices(ds.captions.items, 'train');
    if (cfg.trainImages > 0) tr = tr.slice(0, cfg.trainImages);
    const va = splitIndices(ds.captions.items, 'val').slice(0, cfg.evalImages > 0 ? cfg.evalImages : undefined);
    [trainPixels, valPixels, nTrain, nVal] = [ds.pixels(tr), ds.pixels(va), tr.length, va.length];
    trainText = tr.map((i) => captionOf(ds.captions.items[i], cfg.captionLevel));
    valText = va.map((i) => captionOf(ds.captions.items[i], cfg.captionLevel));
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
  vq.dispose();
  const meanCaption = data.train.captions.reduce((s, c) => s + Math.min(c.length, cfg.captionBudget), 0) / data.train.count;
  log(`replicate: preset ${cfg.preset}, ${cfg.seeds} seed(s) × arms ${cfg.arms.join(', ')}, ${cfg.steps} steps of ${cfg.batchSize} on ${choice.backend}; ${data.train.count} train / ${data.val.count} val images; captions ${cfg.captionLevel}, ${meanCaption.toFixed(1)} tokens on average (image:text ${(data.imageTokens / meanCaption).toFixed(1)}:1)`);

  mkdirSync(join(a.out, 'checkpoints'), { recursive: true });
  const runner = new ExperimentRunner(cfg, data, lm, {
    log,
    onMetrics: (recs) => {
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
  });
  const records = await runner.runAll();
  const seconds = (performance.now() - t0) / 1000;
  const stopped = runner.runs.filter((r) => r.stopped).map((r) => r.stopped);
  const report = buildReport(cfg, records, { seconds: Math.round(seconds), backend: choice.backend, lm: a.lm, vq: a.vq, dataset: a.dataset ?? 'emoji-twemoji', trainImages: data.train.count, valImages: data.val.count, meanCaptionTokens: meanCaption, imageTokens: data.imageTokens, stopped, command: `npm run replicate -- ${process.argv.slice(2).join(' ')}` });
  writeFileSync(join(a.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(a.out, 'metrics.csv'), metricsCsv(records));
  writeFileSync(join(a.out, 'report.html'), reportHtml(report, records));
  for (const eff of [report.effects.image_loss, report.effects.caption_gap, report.effects.forgetting]) log(`  ${eff.sentence}`);
  log(`replicate: done in ${(seconds / 60).toFixed(1)} min → ${a.out}/report.html`);
  runner.dispose();
  lm.dispose();
}

runCli('replicate', main);
