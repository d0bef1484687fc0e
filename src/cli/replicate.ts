/**
 * `npm run replicate -- --preset smoke|cpu|classroom|replication --out DIR [setup flags, setup-flags.ts]
 *   [--dataset PATH] [--backend wasm|cpu|webgpu] [--lm DIR] [--vq DIR] [--train-vq] [--stop-at STEP] [--resume]
 *   [--engine tfjs|torch] [--python PATH] [--threads N]` (the torch engine: torch-engine.ts)
 *   (contract, docs/architecture.md §6). With --lr-sweep, each arm is first trained at every rate for a short budget
 *   and the main run uses each arm's best (DIR/sweep.json records the sweep).
 * Fine-tunes the pre-trained LM and the same GPT from random weights, side by side, on [caption][image tokens],
 * and writes DIR/report.json, DIR/metrics.csv (arm,seed,step,tokens,metric,value), DIR/report.html and
 * DIR/checkpoints/<arm>-s<seed>/ (resumable: --resume continues each run from its last checkpoint, keeping the
 * metrics logged up to it in DIR/metrics.partial.jsonl). A thin driver of the core's lifecycle
 * (core/experiment/lifecycle.ts) over a run folder (run-folder.ts).
 */
import { finishCacheFromEnv } from './finish-cache-fs';
import { PNG } from 'pngjs';
import { version_core as tfVersion } from '../core/tf';
import { initNodeBackend } from './backend-node';
import { Experiment } from '../core/experiment/lifecycle';
import type { MetricRecord } from '../core/experiment/runner';
import { METRICS } from '../core/metrics';
import { UsageError, backendArg, intArg, machineFacts, parseFlags, runCli } from './common';
import { readPublicData } from './data/public-data';
import { EXPERIMENT_OPTIONS, EXPERIMENT_USAGE, loadInputs } from './experiment-inputs';
import { checkResume, runFlags } from './resume-args';
import { sameImagesNote } from '../core/experiment/prepare';
import { RunFolder, writeReportFiles } from './run-folder';
import { acquireRunLock } from './run-lock';
import { SETUP_OPTIONS, SETUP_USAGE, parseSetup } from './setup-flags';
import { ENGINE_OPTIONS, ENGINE_USAGE, engineArgs, replicateTorch } from './torch-engine';
import { PhaseClock } from '../core/experiment/phases';
import { endSession, priorWallTime } from './wall-time';
import { experimentIdentity } from '../core/experiment/fingerprint-inputs';
import { fingerprintOf } from '../core/experiment/fingerprint';
import { writeCard } from './card-file';
import { chooseJobs, planJobs, runJobs } from './replicate-jobs';

/** An [S, S, 3] image in [0, 1] as a PNG data URL (for report.html). */
function pngDataUrl(pixels: Float32Array, size: number): string {
  const png = new PNG({ width: size, height: size });
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) png.data[4 * p + c] = Math.round(255 * Math.min(1, Math.max(0, pixels[3 * p + c])));
    png.data[4 * p + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Each evaluation in one line: the held-out image and caption losses and the English perplexity. */
function logEvaluations(recs: MetricRecord[], log: (s: string) => void): void {
  for (const r of recs.filter((m) => m.metric === METRICS.valImageLoss)) {
    const same = (metric: string) =>
      recs.find((m) => m.metric === metric && m.arm === r.arm && m.seed === r.seed && m.step === r.step);
    const txt = same(METRICS.valTextLoss);
    const en = same(METRICS.valEnglishLoss)!;
    log(
      `  ${r.arm} s${r.seed} @${r.step}: val image ${r.value.toFixed(3)}${txt ? `, caption ${txt.value.toFixed(3)}` : ''}, English ppl ${Math.exp(en.value).toFixed(1)}`,
    );
  }
}

async function main(): Promise<void> {
  const usage = `usage: npm run replicate -- ${SETUP_USAGE} --out DIR ${EXPERIMENT_USAGE} [--train-vq] [--stop-at STEP] [--resume] [--jobs N] ${ENGINE_USAGE}`;
  const { values: a } = parseFlags(
    {
      ...SETUP_OPTIONS,
      ...EXPERIMENT_OPTIONS,
      ...ENGINE_OPTIONS,
      resume: { type: 'boolean', default: false },
      'stop-at': { type: 'string' },
      jobs: {
        type: 'string',
        value: 'N',
        description:
          'run the seeds in N processes at once, pooled into one report (replicate-jobs.ts; the tfjs engine)',
        defaultText: 'one per core, at most one per seed, as the free memory allows',
      },
    },
    usage,
  );
  if (!a.preset) throw new UsageError(`--preset is required; ${usage}`);
  const setup = parseSetup(a);
  const { cfg } = setup;
  if (!a.out) throw new UsageError(`--out is required; ${usage}`);
  if (a['train-vq'] && !a.dataset)
    throw new UsageError('--train-vq trains a tokenizer on a bring-your-own --dataset; the emoji use the shipped one');
  const backend = backendArg(a.backend);
  // Without --stop-at the runs go to the end, also when --tokens sets the number of steps once the data is known.
  const stopAt = a['stop-at'] === undefined ? null : intArg(a['stop-at'], 'stop-at', 1, cfg.steps);
  // What defines the run: saved beside the checkpoints, and compared on --resume (the backend and --stop-at may change).
  const flags = runFlags(cfg, {
    dataset: a.dataset,
    lm: a.lm!,
    vq: a.vq!,
    trainVq: a['train-vq']!,
    tokens: setup.tokens,
  });
  const torch = engineArgs(a); // checked before anything is written
  acquireRunLock(a.out, `npm run replicate -- ${process.argv.slice(2).join(' ')}`, (s) =>
    console.log(`replicate: ${s}`),
  ); // one writer per --out
  checkResume(a.out, flags, a.resume!);
  // The earlier sessions' time (--resume): the report's meta.seconds and meta.phases are the whole run's (wall-time.ts).
  const prior = priorWallTime(a.out, a.resume!, (s) => console.log(`replicate: WARNING: ${s}`));
  const command = `npm run replicate -- ${process.argv.slice(2).join(' ')}`;
  if (torch)
    return replicateTorch({
      engine: torch,
      setup,
      out: a.out,
      lm: a.lm!,
      vq: a.vq!,
      dataset: a.dataset,
      flags,
      stopAt,
      resume: a.resume!,
      prior,
      backend,
      command,
      encodePng: pngDataUrl,
    });
  const t0 = performance.now();
  const clock = new PhaseClock(); // report.json meta.phases (phases.ts)
  clock.enter('preparation');
  const choice = await initNodeBackend(backend);
  const log = (s: string) => console.log(s);
  const say = (s: string) => log(`replicate: ${s}`);
  const inputs = await loadInputs({ lm: a.lm!, vq: a.vq!, dataset: a.dataset, trainVq: a['train-vq']! }, cfg, {
    name: 'replicate',
    read: readPublicData,
    shippedCodes: true,
    log: say,
  });
  const exp = new Experiment(
    {
      ...inputs,
      cfg,
      readData: readPublicData,
      tokens: setup.tokens,
      sweep: setup.sweep,
      recordedSweep: setup.recordedSweep,
    },
    {
      store: new RunFolder(a.out, log),
      resume: a.resume!,
      flags,
      log: say,
      runnerLog: log,
      onRecords: (recs) => logEvaluations(recs, log),
    },
  );
  const free = () => {
    exp.dispose();
    inputs.lm.dispose();
    inputs.vq.dispose();
  };
  // --jobs: the seeds in child processes, pooled (replicate-jobs.ts); a sweep or a trained tokenizer runs in one.
  if ((setup.sweep || a['train-vq']) && a.jobs !== undefined && a.jobs !== '1')
    throw new UsageError(
      `--jobs ${a.jobs} with ${setup.sweep ? '--lr-sweep' : '--train-vq'}: every job would repeat it; run it with --jobs 1${setup.sweep ? ', or pass its sweep.json with --lr-from' : ''}`,
    );
  const shape = {
    trainImages: inputs.images.trainCount,
    valImages: inputs.images.valCount,
    imageSize: inputs.images.size,
    imageTokens: inputs.vq.grid * inputs.vq.grid,
    imageCodes: inputs.vq.config.codebookSize,
  };
  const jobs = setup.sweep || a['train-vq'] ? 1 : chooseJobs(a.jobs, cfg, inputs.lm.config, shape);
  if (jobs > 1) {
    free();
    const sentences = await runJobs(
      process.argv.slice(2),
      a.out,
      planJobs(cfg.firstSeed ?? 0, cfg.seeds, jobs),
      stopAt === null || stopAt >= cfg.steps,
      log,
    );
    for (const line of sentences) log(`  ${line}`);
    log(
      `replicate: done in ${((performance.now() - t0) / 60_000).toFixed(1)} min → ${a.out}/${sentences.length ? 'report.html' : 'seeds/ (continue with --resume)'}`,
    );
    return;
  }
  const sameImages = sameImagesNote(inputs.images);
  if (sameImages) say(`WARNING: ${sameImages}`);
  await exp.prepare();
  clock.enter(null);
  clock.move('preparation', 'sweep', exp.sweepMs);
  const { data, meanCaption } = exp.prepared!;
  const c = exp.cfg;
  log(
    `replicate: preset ${c.preset}, ${c.seeds} seed(s) × arms ${c.arms.map((arm) => `${arm} (LR ${c.lrByArm[arm] ?? c.lr})`).join(', ')}, ${c.steps} steps of ${c.batchSize} (${c.schedule}) on ${choice.backend}; ${data.train.count} train / ${data.val.count} val images; captions ${a.dataset ? 'from the dataset' : c.captionLevel}, ${meanCaption.toFixed(1)} tokens on average (image:text ${(data.imageTokens / meanCaption).toFixed(1)}:1)`,
  );
  // The setup fingerprint (docs/class.md) of the effective config (after --tokens and the sweep's rates).
  const identity = await experimentIdentity(
    c,
    { ...inputs, tokenizerJson: inputs.tokenizer.toTokenizerJson() },
    { lm: a.lm!, vq: a['train-vq'] ? `${a.vq} (--train-vq)` : a.vq! },
  );
  say(`setup fingerprint ${fingerprintOf(identity)}; seeds ${c.firstSeed ?? 0}…${(c.firstSeed ?? 0) + c.seeds - 1}`);
  const tRun = performance.now();
  await exp.runTo(stopAt ?? c.steps);
  clock.addRounds(
    performance.now() - tRun,
    exp.runner!.runs.reduce((s, r) => s + r.trainMs, 0),
    exp.checkpoints.savingMs,
  );
  if (stopAt !== null && stopAt < c.steps) {
    clock.enter(null);
    endSession(a.out, prior, (performance.now() - t0) / 1000, clock.seconds());
    log(`replicate: stopped at step ${stopAt} of ${c.steps} as asked; continue with --resume`);
    free();
    return;
  }

  // Samples, quality figure, analysis and the report with its verdict (the core's, shared with the playground).
  const meta = {
    backend: choice.backend,
    lm: a.lm,
    ...(inputs.lmHeldout ? { lmHeldout: inputs.lmHeldout } : {}),
    vq: a['train-vq'] ? `trained on the dataset (--train-vq, from ${a.vq})` : a.vq,
    ...(inputs.vqKey ? { vqKey: inputs.vqKey } : {}),
    dataset: a.dataset ?? inputs.images.name,
    meanCaptionTokens: meanCaption,
    command,
    machine: machineFacts(),
    engine: 'tfjs',
    versions: { tfjs: tfVersion, node: process.version },
    fingerprint: fingerprintOf(identity),
  };
  const fin = await exp.finish({
    encodePng: pngDataUrl,
    meta,
    startedAt: t0,
    onPhase: (p) => clock.enter(p),
    finishCache: finishCacheFromEnv() ?? undefined,
  });
  const { report } = fin;
  clock.enter(null);
  // The whole run's time, over every session (wall-time.ts): meta.seconds, meta.phases and meta.sessions.
  Object.assign(report.meta, endSession(a.out, prior, (performance.now() - t0) / 1000, clock.seconds()));
  // The finish wrote the report before its own phase was timed: write it again with the phases, each file whole
  // (report.json last, as the run folder does), the same as `npm run report` rebuilds it.
  writeReportFiles(a.out, report, exp.records, fin.sections);
  log(
    `replicate: phases (s) ${Object.entries(clock.seconds())
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const card = writeCard(a.out, {
    identity,
    config: c,
    seat: null,
    records: exp.records,
    engine: 'tfjs',
    backend: choice.backend,
    origin: 'cli',
    valImages: data.val.count,
    stopped: (report.meta.stopped as string[] | undefined) ?? [],
    quality: fin.quality,
  });
  log(`replicate: result card → ${card} (npm run pool pools cards of this setup)`);
  for (const eff of [report.effects.image_loss, report.effects.caption_gap, report.effects.forgetting])
    log(`  ${eff.sentence}`);
  log(`replicate: done in ${((performance.now() - t0) / 60_000).toFixed(1)} min → ${a.out}/report.html`);
  free();
}

runCli('replicate', main);
