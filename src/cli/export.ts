/**
 * `npm run export -- --out DIR --preset P [setup flags, setup-flags.ts] [--dataset PATH] [--lm DIR] [--vq DIR]
 *   [--backend wasm|cpu]`: the experiment `npm run replicate` would run with the same flags, written as files for a
 * PyTorch / Hugging Face run on a GPU cluster (`scale/train.py`; the layout is in src/core/experiment/export.ts).
 * Each file's SHA-256 goes into DIR/meta.json beside the hashes of the dataset, LM, VQ tokenizer and English texts
 * it came from. `--lr-sweep` is exported as a plan that scale/train.py carries out before the main run. The inputs
 * and their preparation are replicate's (experiment-inputs.ts, core/experiment/lifecycle.ts prepareData). Holds DIR's
 * run lock (run-lock.ts) while it writes, so it never writes into a folder another export or a run is writing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeBackend } from './backend-node';
import { writeExport } from './export-files';
import { EXPERIMENT_OPTIONS, EXPERIMENT_USAGE } from './experiment-inputs';
import { acquireRunLock } from './run-lock';
import { SETUP_OPTIONS, SETUP_USAGE, parseSetup } from './setup-flags';
import { UsageError, backendArg, parseFlags, runCli } from './common';

async function main(): Promise<void> {
  const usage = `usage: npm run export -- --out DIR ${SETUP_USAGE} ${EXPERIMENT_USAGE}`;
  const { values: a } = parseFlags({ ...SETUP_OPTIONS, ...EXPERIMENT_OPTIONS }, usage);
  if (!a.out) throw new UsageError(`--out is required; ${usage}`);
  if (!a.preset) throw new UsageError(`--preset is required; ${usage}`);
  if (a['train-vq'])
    throw new UsageError(
      '--train-vq is not exported: train the tokenizer first (npm run train-vq -- --dataset PATH --out DIR) and pass --vq DIR',
    );
  if (existsSync(join(a.out, 'meta.json')))
    throw new UsageError(`${a.out}: already holds an export (meta.json); choose another --out or delete it`);
  const setup = parseSetup(a);
  const { cfg } = setup;
  const backend = backendArg(a.backend);
  const log = (s: string) => console.log(`export: ${s}`);
  // One writer per folder, as replicate and scale/train.py (run-lock.ts): a second export, or a run, into --out is refused.
  acquireRunLock(a.out, `npm run export -- ${process.argv.slice(2).join(' ')}`, log, false);
  const t0 = performance.now();
  await initNodeBackend(backend);

  const command = `npm run export -- ${process.argv.slice(2).join(' ')}`;
  const { inputs, files, bytes } = await writeExport({
    setup,
    lm: a.lm!,
    vq: a.vq!,
    dataset: a.dataset,
    out: a.out,
    command,
    name: 'export',
    log,
  });
  log(
    `${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB, in ${((performance.now() - t0) / 1000).toFixed(0)} s → ${a.out}`,
  );
  log(
    `arms ${cfg.arms.join(', ')} × ${cfg.seeds} seed(s), ${cfg.steps} steps of ${cfg.batchSize}${setup.sweep ? `, after an LR sweep over ${setup.sweep.lrs.join(', ')}` : ''}`,
  );
  log(`next: accelerate launch scale/train.py --export ${a.out} --out RUN   (then: npm run report -- RUN)`);
  inputs.lm.dispose();
  inputs.vq.dispose();
}

runCli('export', main);
