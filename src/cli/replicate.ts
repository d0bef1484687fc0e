/**
 * `npm run replicate -- --preset smoke|cpu|classroom|replication --out DIR [setup flags, setup-flags.ts]
 *   [--dataset PATH] [--backend wasm|cpu|webgpu] [--lm DIR] [--vq DIR] [--train-vq] [--stop-at STEP] [--resume]`
 *   (contract, docs/architecture.md §6). With --lr-sweep, each arm is first trained at every rate for a short budget
 *   and the main run uses each arm's best (DIR/sweep.json records the sweep).
 * Fine-tunes the pre-trained LM and the same GPT from random weights, side by side, on [caption][image tokens],
 * and writes DIR/report.json, DIR/metrics.csv (arm,seed,step,tokens,metric,value), DIR/report.html and
 * DIR/checkpoints/<arm>-s<seed>/ (resumable: --resume continues each run from its last checkpoint, keeping the
 * metrics logged up to it in DIR/metrics.partial.jsonl).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeBackend } from '../core/backend-node';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { loadVQWithKey, shippedEmojiCodes } from '../core/data/codes';
import { loadEmojiDataset } from '../core/data/emoji';
import { DeviceImages } from '../core/data/images';
import { experimentTrainAt, sweepLearningRates, type SweepResult } from '../core/experiment/sweep';
import { sweepSection } from '../core/experiment/html';
import { stepsForTokens } from '../core/experiment/data';
import { SETUP_OPTIONS, SETUP_USAGE, parseSetup } from './setup-flags';
import { byodSplits, emojiSplits, prepareExperiment, pretrainingCorpus, type ImageSplits } from '../core/experiment/prepare';
import { finishExperiment } from '../core/experiment/finish';
import { evaluateVQ } from '../core/vq/train';
import { byodTokenizerSteps, trainTokenizer } from '../core/vq/train-tokenizer';
import { ExperimentRunner, type MetricRecord } from '../core/experiment/runner';
import { restoreRun, saveRun } from '../core/experiment/resume';
import { recordsToResume, restoredSteps } from '../core/experiment/resume-records';
import { metricsCsv } from '../core/experiment/metrics-csv';
import { METRICS } from '../core/metrics';
import { PNG } from 'pngjs';
import { loadByod } from './data/datasets';
import { readPublicData } from './data/public-data';
import { decodePngNode } from './image-decode';
import { UsageError, backendArg, machineFacts, completeCheckpointDir, dirSource, intArg, parseFlags, replaceDirAtomic, runCli, writeFileAtomic } from './common';
import { EXPERIMENT_FILE, checkResume, readPartialMetrics, runFlags } from './resume-args';

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
  const usage = `usage: npm run replicate -- ${SETUP_USAGE} --out DIR [--dataset PATH] [--backend wasm|cpu|webgpu] [--lm DIR] [--vq DIR] [--train-vq] [--stop-at STEP] [--resume]`;
  const { values: a } = parseFlags(
    {
      ...SETUP_OPTIONS,
      out: { type: 'string' },
      dataset: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      lm: { type: 'string', default: 'public/models/lm-austen' },
      vq: { type: 'string', default: 'public/models/vq-twemoji32' },
      'train-vq': { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      'stop-at': { type: 'string' },
    },
    usage,
  );
  if (!a.preset) throw new UsageError(`--preset is required; ${usage}`);
  const setup = parseSetup(a);
  const { cfg } = setup;
  if (!a.out) throw new UsageError(`--out is required; ${usage}`);
  if (a['train-vq'] && !a.dataset) throw new UsageError('--train-vq trains a tokenizer on a bring-your-own --dataset; the emoji use the shipped one');
  const backend = backendArg(a.backend);
  const stopAt = a['stop-at'] === undefined ? cfg.steps : intArg(a['stop-at'], 'stop-at', 1, cfg.steps);
  // What defines the run: saved beside the checkpoints, and compared on --resume (the backend and --stop-at may change).
  const flags = runFlags(cfg, { dataset: a.dataset, lm: a.lm!, vq: a.vq!, trainVq: a['train-vq']!, tokens: setup.tokens });
  checkResume(a.out, flags, a.resume!);
  const t0 = performance.now();
  const choice = await initNodeBackend(backend);
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
  if (setup.tokens !== null) {
    const { steps, perSequence } = stepsForTokens(data, cfg, setup.tokens);
    cfg.steps = steps;
    log(`replicate: --tokens ${setup.tokens} = ${cfg.steps} steps of ${cfg.batchSize} sequences (${perSequence.toFixed(1)} trained tokens each)`);
  }
  let sweep: SweepResult | null = setup.recordedSweep;
  if (setup.sweep && a.resume && existsSync(join(a.out, 'sweep.json'))) {
    sweep = JSON.parse(readFileSync(join(a.out, 'sweep.json'), 'utf8')) as SweepResult;
    cfg.lrByArm = { ...sweep.best };
    log(`replicate: --resume keeps the recorded sweep's rates (${a.out}/sweep.json)`);
  } else if (setup.sweep) {
    const { lrs, steps, seeds } = setup.sweep;
    log(`replicate: LR sweep — arms ${cfg.arms.join(', ')} at ${lrs.join(', ')} for ${steps} steps × ${seeds} seed(s) each`);
    sweep = await sweepLearningRates(lrs, experimentTrainAt(cfg, { steps, seeds }, (c) => new ExperimentRunner(c, data, lm, {}, alignedRows)), { steps, seeds, schedule: cfg.schedule }, (s) => log(`  sweep ${s}`));
    cfg.lrByArm = { ...sweep.best };
    mkdirSync(a.out, { recursive: true });
    writeFileSync(join(a.out, 'sweep.json'), JSON.stringify(sweep, null, 2) + '\n');
    log(`replicate: sweep chose ${Object.entries(sweep.best).map(([arm, lr]) => `${arm} ${lr}`).join(', ')} (→ ${a.out}/sweep.json)`);
  }
  log(`replicate: preset ${cfg.preset}, ${cfg.seeds} seed(s) × arms ${cfg.arms.map((arm) => `${arm} (LR ${cfg.lrByArm[arm] ?? cfg.lr})`).join(', ')}, ${cfg.steps} steps of ${cfg.batchSize} (${cfg.schedule}) on ${choice.backend}; ${data.train.count} train / ${data.val.count} val images; captions ${a.dataset ? 'from the dataset' : cfg.captionLevel}, ${meanCaption.toFixed(1)} tokens on average (image:text ${(data.imageTokens / meanCaption).toFixed(1)}:1)`);

  mkdirSync(join(a.out, 'checkpoints'), { recursive: true });
  writeFileAtomic(join(a.out, 'checkpoints', EXPERIMENT_FILE), JSON.stringify(flags, null, 2) + '\n');
  const partial = join(a.out, 'metrics.partial.jsonl');
  const runner = new ExperimentRunner(cfg, data, lm, {
    log,
    onMetrics: (recs) => {
      appendFileSync(partial, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
      for (const r of recs.filter((m) => m.metric === METRICS.valImageLoss)) {
        const same = (metric: string) => recs.find((m) => m.metric === metric && m.arm === r.arm && m.seed === r.seed && m.step === r.step);
        const txt = same(METRICS.valTextLoss);
        const en = same(METRICS.valEnglishLoss)!;
        log(`  ${r.arm} s${r.seed} @${r.step}: val image ${r.value.toFixed(3)}${txt ? `, caption ${txt.value.toFixed(3)}` : ''}, English ppl ${Math.exp(en.value).toFixed(1)}`);
      }
    },
    // The run's folder is replaced as a whole, so a kill mid-save never mixes new weights with old moments.
    onCheckpoint: (run) => replaceDirAtomic(join(a.out!, 'checkpoints', `${run.arm.name}-s${run.seed}`), saveRun(run, data.plan, tokenizer.toTokenizerJson())),
  }, alignedRows);
  // --resume: put each run's last checkpoint back and keep the metrics logged up to it.
  let earlier: MetricRecord[] = [];
  if (a.resume && existsSync(partial)) {
    const saved = readPartialMetrics(partial, log);
    for (const run of runner.runs) {
      const dir = completeCheckpointDir(join(a.out, 'checkpoints', `${run.arm.name}-s${run.seed}`));
      if (!dir) continue;
      const files = new Map(readdirSync(dir, { withFileTypes: true }).filter((f) => f.isFile()).map((f) => [f.name, new Uint8Array(readFileSync(join(dir, f.name)))]));
      await restoreRun(runner, files, dir);
      log(`replicate: resumed ${run.arm.name} seed ${run.seed} at step ${run.step}${dir.endsWith('.old') ? ' (from the previous save: the last one was interrupted)' : ''}`);
    }
    earlier = recordsToResume(saved, restoredSteps(runner));
  }
  writeFileSync(partial, earlier.map((r) => JSON.stringify(r)).join('\n') + (earlier.length ? '\n' : ''));
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
  const fin = await finishExperiment(runner, { cfg, data, images, lm, vq, corpus, encodePng: pngDataUrl, log: (s) => log(`replicate: ${s}`), startedAt: t0, sections: sweep ? [sweepSection(sweep)] : [] }, records, { ...(sweep ? { sweep: { lrs: sweep.lrs, steps: sweep.steps, seeds: sweep.seeds, schedule: sweep.schedule, table: sweep.table, best: sweep.best } } : {}), backend: choice.backend, lm: a.lm, vq: a.vq, dataset: a.dataset ?? images.name, meanCaptionTokens: meanCaption, command: `npm run replicate -- ${process.argv.slice(2).join(' ')}`, machine: machineFacts() });
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
