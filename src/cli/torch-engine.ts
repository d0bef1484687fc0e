/**
 * `npm run replicate -- --engine torch [--python PATH] [--threads N]`: the same experiment trained by PyTorch through
 * the scale path, as one command with replicate's flags and output folder. It exports the experiment into
 * OUT/export/ (export-files.ts, the layout of core/experiment/export.ts), runs scale/train.py on it with OUT as the
 * run folder (its metrics, resumable checkpoints in replicate's layout — scale/resume_state.py — its LR sweep and the
 * step-0 parity check against the export's reference losses), then finishes in this process exactly as the tfjs engine
 * does: the lifecycle resumes every run from its torch checkpoint (core/experiment/resume.ts) and draws the samples,
 * the quality figure, the analysis and the report (core/experiment/finish.ts). `--stop-at`/`--resume` go to
 * train.py; the record log (metrics.partial.jsonl) is shared with the tfjs engine, so either engine resumes the other.
 * The report's meta records the engine, its versions, the machine and every phase's wall time (phases.ts).
 */
import { finishCacheFromEnv } from './finish-cache-fs';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Experiment } from '../core/experiment/lifecycle';
import { prepareData } from '../core/experiment/lifecycle-inputs';
import { version_core as tfVersion } from '../core/tf';
import { metricsCsv, parseMetricsCsv } from '../core/experiment/metrics-csv';
import { PhaseClock, type Phase } from '../core/experiment/phases';
import type { SweepResult } from '../core/experiment/sweep';
import type { EvalResult } from '../core/experiment/evals';
import type { Run } from '../core/experiment/runner';
import type { RunFlags } from '../core/experiment/store';
import { initNodeBackend } from './backend-node';
import type { BackendName } from '../core/backend';
import { UsageError, intArg, machineFacts } from './common';
import { readPublicData } from './data/public-data';
import { writeExport } from './export-files';
import { loadInputs } from './experiment-inputs';
import { writeFileAtomic } from './durable';
import { RunFolder, writeReportFiles } from './run-folder';
import type { Setup } from './setup-flags';
import { endSession, type WallTime } from './wall-time';

/** replicate's flags for the engine (parseArgs options). */
export const ENGINE_OPTIONS = {
  engine: {
    type: 'string',
    value: 'tfjs|torch',
    description: 'the engine that trains: tfjs in this process, or PyTorch + transformers through scale/train.py',
    defaultText: 'tfjs',
  },
  python: {
    type: 'string',
    value: 'PATH',
    description: 'the Python interpreter of --engine torch (with scale/requirements.txt installed)',
    defaultText: '$TABULA_PYTHON, else python3',
  },
  threads: {
    type: 'string',
    value: 'N',
    description: "torch's CPU threads with --engine torch",
    defaultText: 'one per core',
  },
} as const;
export const ENGINE_USAGE = '[--engine tfjs|torch] [--python PATH] [--threads N]';

const SCALE = resolve(dirname(fileURLToPath(import.meta.url)), '../../scale');
const MODULES = ['torch', 'transformers', 'accelerate', 'safetensors', 'numpy'] as const;

export interface TorchEngine {
  python: string;
  /** torch CPU threads for train.py (null: torch's default, one per core). */
  threads: number | null;
  /** Python's and each module's version. */
  versions: Record<string, string>;
}

/**
 * The versions of Python and of torch, transformers, accelerate, safetensors and numpy under `python`.
 * @throws UsageError (exit 2) when `python` cannot be started or lacks a module, naming the install command
 */
export function checkTorchPython(python: string): Record<string, string> {
  const probe = `import json, sys\nout = {"python": sys.version.split()[0]}\nfor m in ${JSON.stringify(MODULES)}:\n    try:\n        out[m] = __import__(m).__version__\n    except Exception as e:\n        out[m] = None\nprint(json.dumps(out))`;
  const r = spawnSync(python, ['-c', probe], { encoding: 'utf8' });
  const install = `${python} -m pip install -r scale/requirements.txt`;
  if (r.error)
    throw new UsageError(
      `--engine torch: ${python} cannot be started (${(r.error as NodeJS.ErrnoException).code}); pass --python PATH with a Python 3 that has scale/requirements.txt installed (${install})`,
    );
  let got: Record<string, string | null>;
  try {
    got = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    throw new UsageError(
      `--engine torch: ${python} is not a working Python 3 (${(r.stderr || r.stdout).trim().split('\n').pop() ?? `status ${r.status}`}); pass --python PATH`,
    );
  }
  const missing = MODULES.filter((m) => !got[m]);
  if (missing.length)
    throw new UsageError(
      `--engine torch: ${python} has no ${missing.join(', ')}; install them with ${install} (or pass --python PATH with a Python that has them)`,
    );
  return got as Record<string, string>;
}

/**
 * The engine flags: null for tfjs (the default); for torch, the checked Python (TABULA_PYTHON or python3 unless
 * --python) and threads. Called before anything is written, so a refusal leaves no trace.
 * @throws UsageError for a bad --engine/--threads, --python without --engine torch, or a Python without the modules
 */
export function engineArgs(a: {
  engine?: string;
  python?: string;
  threads?: string;
  'train-vq'?: boolean;
}): TorchEngine | null {
  const engine = a.engine ?? 'tfjs';
  if (engine !== 'tfjs' && engine !== 'torch') throw new UsageError(`--engine must be tfjs or torch, got ${engine}`);
  if (engine === 'tfjs') {
    if (a.python !== undefined || a.threads !== undefined)
      throw new UsageError("--python and --threads choose the torch engine's Python and threads; add --engine torch");
    return null;
  }
  if (a['train-vq'])
    throw new UsageError(
      '--train-vq is not available with --engine torch: train the tokenizer first (npm run train-vq -- --dataset PATH --out DIR) and pass --vq DIR',
    );
  const python = a.python ?? process.env.TABULA_PYTHON ?? 'python3';
  const threads = a.threads === undefined ? null : intArg(a.threads, 'threads', 1, 256);
  return { python, threads, versions: checkTorchPython(python) };
}

export interface TorchRun {
  engine: TorchEngine;
  setup: Setup;
  out: string;
  lm: string;
  vq: string;
  dataset?: string;
  flags: RunFlags;
  stopAt: number | null;
  resume: boolean;
  /** The earlier sessions' wall time of this folder (wall-time.ts; none without --resume). */
  prior: WallTime;
  backend: BackendName;
  command: string;
  /** The PNG encoder of the report's samples. */
  encodePng: (pixels: Float32Array, size: number) => string;
}

/** Runs `python scale/train.py` on the export, showing its output; returns its wall time (ms). Throws when it fails. */
function runTrainer(r: TorchRun, exportDir: string, stop: number | null): number {
  const args = [join(SCALE, 'train.py'), '--export', exportDir, '--out', r.out, '--no-verify'];
  if (stop !== null) args.push('--steps', String(stop));
  if (r.resume) args.push('--resume');
  if (r.engine.threads !== null) args.push('--threads', String(r.engine.threads));
  const t = performance.now();
  const p = spawnSync(r.engine.python, args, {
    stdio: 'inherit',
    env: { ...process.env, PYTHONUNBUFFERED: '1', TABULA_LOCK_HANDED_TO_CHILD: String(process.pid) },
  }); // train.py writes under this process's run lock (scale/run_lock.py)
  if (p.error) throw new Error(`${r.engine.python}: cannot be started (${(p.error as NodeJS.ErrnoException).code})`);
  if (p.status !== 0)
    throw new Error(
      `scale/train.py exited with status ${p.status ?? p.signal}; its message is above (the run folder keeps its last checkpoints: --resume continues)`,
    );
  return performance.now() - t;
}

/**
 * Give each run train.py evaluated at its current step (OUT/last-eval.json, scale/train_report.py) that evaluation as
 * its `lastEval`, so the finish does not evaluate it again in tfjs for the per-position heatmap and the per-image
 * losses. An entry at another step, of a stopped run, or of other lengths (positions, images) is left out: that run
 * is evaluated as before. Returns how many runs took one; 0 when the file is absent or unreadable.
 */
export function takeTorchLastEvals(path: string, runs: Run[], positions: number, images: number): number {
  if (!existsSync(path)) return 0;
  let file: { format?: string; runs?: Record<string, (EvalResult & { step: number }) | undefined> };
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return 0;
  }
  if (file.format !== 'tabula-rasa-last-eval' || !file.runs) return 0;
  let n = 0;
  for (const run of runs) {
    const e = file.runs[`${run.arm.name} s${run.seed}`];
    if (!e || run.stopped || run.lastEval || e.step !== run.step) continue;
    const numbers = [
      e.imageLoss,
      e.loss,
      e.imageLeak,
      e.englishLoss,
      e.englishOodLoss,
      e.englishLossTextIds,
      e.englishOodLossTextIds,
    ];
    if (
      !numbers.every((v) => typeof v === 'number') ||
      e.imageLossByPosition?.length !== positions ||
      e.imageLossByImage?.length !== images
    )
      continue;
    const { step: _step, ...result } = e;
    run.lastEval = { ...result, textLoss: e.textLoss ?? null };
    n++;
  }
  return n;
}

/** The replicate run of `r` on the torch engine: export, train.py, the finish in this process. */
export async function replicateTorch(r: TorchRun): Promise<void> {
  const log = (s: string) => console.log(s);
  const say = (s: string) => log(`replicate: ${s}`);
  const clock = new PhaseClock();
  const t0 = performance.now();
  clock.enter('preparation');
  const choice = await initNodeBackend(r.backend);
  const { cfg } = r.setup;
  const exportDir = join(r.out, 'export');
  const store = new RunFolder(r.out, log);
  // The export: made afresh, except on --resume when it is there (the flags were checked to be the same).
  let ready: {
    inputs: Awaited<ReturnType<typeof loadInputs>>;
    prepared: Awaited<ReturnType<typeof prepareData>>;
  } | null = null;
  if (!(r.resume && existsSync(join(exportDir, 'meta.json')))) {
    rmSync(exportDir, { recursive: true, force: true });
    say(`exporting the experiment for PyTorch → ${exportDir}`);
    ready = await writeExport({
      setup: r.setup,
      lm: r.lm,
      vq: r.vq,
      dataset: r.dataset,
      out: exportDir,
      command: r.command,
      name: 'replicate',
      log: say,
    });
  } else say(`--resume keeps the export in ${exportDir}`);
  const exported = JSON.parse(readFileSync(join(exportDir, 'experiment.json'), 'utf8')) as {
    config: { steps: number };
  };
  const steps = exported.config.steps;
  const stop = r.stopAt !== null && r.stopAt < steps ? r.stopAt : null;
  // The record log is shared with the tfjs engine: train.py --resume keeps OUT/metrics.csv up to each checkpoint.
  const partial = await store.readRecords();
  if (r.resume && partial) writeFileAtomic(join(r.out, 'metrics.csv'), metricsCsv(partial));
  say(
    `training on PyTorch ${r.engine.versions.torch} (transformers ${r.engine.versions.transformers}, ${r.engine.python}, ${r.engine.threads ?? 'default'} thread(s))`,
  );
  clock.enter(null);
  const trainerMs = runTrainer(r, exportDir, stop);
  const records = parseMetricsCsv(readFileSync(join(r.out, 'metrics.csv'), 'utf8'), join(r.out, 'metrics.csv'));
  await store.replaceRecords(records);
  const stub = JSON.parse(readFileSync(join(r.out, 'report.json'), 'utf8')) as {
    meta: Record<string, unknown> & {
      phases: Partial<Record<Phase, number>>;
      versions: Record<string, string>;
      backend: string;
    };
  };
  let inPython = 0;
  for (const [phase, s] of Object.entries(stub.meta.phases)) {
    clock.add(phase as Phase, 1000 * s);
    inPython += 1000 * s;
  }
  clock.add('preparation', trainerMs - inPython); // starting Python and importing torch
  if (stop !== null) {
    clock.enter(null);
    endSession(r.out, r.prior, (performance.now() - t0) / 1000, clock.seconds());
    rmSync(join(r.out, 'report.json'));
    say(`stopped at step ${stop} of ${steps} as asked; continue with --resume (either engine)`);
    ready?.inputs.lm.dispose();
    ready?.inputs.vq.dispose();
    return;
  }

  // The finish, as the tfjs engine's: every run resumed at its last step from the torch checkpoints.
  clock.enter('restore');
  if (!ready) {
    const inputs = await loadInputs({ lm: r.lm, vq: r.vq, dataset: r.dataset, trainVq: false }, cfg, {
      name: 'replicate',
      read: readPublicData,
      shippedCodes: true,
      log: say,
    });
    ready = {
      inputs,
      prepared: await prepareData(
        { ...inputs, cfg, readData: readPublicData, tokens: r.setup.tokens, sweep: r.setup.sweep },
        cfg,
        say,
      ),
    };
  }
  const { inputs, prepared } = ready;
  const sweep = existsSync(join(r.out, 'sweep.json'))
    ? (JSON.parse(readFileSync(join(r.out, 'sweep.json'), 'utf8')) as SweepResult)
    : r.setup.recordedSweep;
  const finishCfg = { ...cfg, lrByArm: { ...cfg.lrByArm, ...(sweep?.best ?? {}) } };
  const exp = new Experiment(
    { ...inputs, cfg: finishCfg, readData: readPublicData, tokens: null, sweep: null, recordedSweep: sweep },
    { store, resume: true, flags: r.flags, prepared, log: say, runnerLog: log },
  );
  const free = () => {
    exp.dispose();
    inputs.lm.dispose();
    inputs.vq.dispose();
  };
  try {
    await exp.prepare();
    const { val, imageTokens } = prepared.data;
    const evaluated = cfg.evalImages > 0 ? Math.min(cfg.evalImages, val.count) : val.count;
    const reused = takeTorchLastEvals(join(r.out, 'last-eval.json'), exp.runner!.runs, imageTokens, evaluated);
    if (reused) say(`${reused} run(s) keep train.py's last evaluation (no evaluation again for the heatmap)`);
    const short = exp.runner!.runs.filter((run) => !run.stopped && run.step < steps);
    if (short.length)
      throw new Error(
        `scale/train.py left ${short.map((run) => `${run.arm.name} s${run.seed} at step ${run.step}`).join(', ')} short of step ${steps}; run again with --resume`,
      );
    const meta = {
      engine: 'torch',
      backend: `${stub.meta.backend}, ${stub.meta.threads} thread(s); finished on tfjs ${choice.backend}`,
      versions: { ...r.engine.versions, ...stub.meta.versions, tfjs: tfVersion, node: process.version },
      threads: stub.meta.threads,
      parity: stub.meta.parity,
      lm: r.lm,
      ...(inputs.lmHeldout ? { lmHeldout: inputs.lmHeldout } : {}),
      vq: r.vq,
      dataset: r.dataset ?? inputs.images.name,
      meanCaptionTokens: prepared.meanCaption,
      command: r.command,
      trainer: { command: stub.meta.command, export: exportDir, seconds: stub.meta.seconds },
      ...(inputs.vqKey ? { vqKey: inputs.vqKey } : {}),
      machine: machineFacts(),
    };
    const fin = await exp.finish({
      encodePng: r.encodePng,
      meta,
      startedAt: t0,
      onPhase: (p) => clock.enter(p),
      finishCache: finishCacheFromEnv() ?? undefined,
    });
    clock.enter(null);
    // The whole run's time, over every session (wall-time.ts): meta.seconds, meta.phases and meta.sessions.
    Object.assign(fin.report.meta, endSession(r.out, r.prior, (performance.now() - t0) / 1000, clock.seconds()));
    // Written again with the phases, each file whole, report.json last (as replicate's tfjs engine).
    writeReportFiles(r.out, fin.report, exp.records, fin.sections);
    for (const eff of [fin.report.effects.image_loss, fin.report.effects.caption_gap, fin.report.effects.forgetting])
      log(`  ${eff.sentence}`);
    log(
      `replicate: phases (s) ${Object.entries(fin.report.meta.phases as Record<string, number>)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    log(
      `replicate: done in ${((performance.now() - t0) / 60_000).toFixed(1)} min on the torch engine → ${r.out}/report.html`,
    );
  } finally {
    free();
  }
}
