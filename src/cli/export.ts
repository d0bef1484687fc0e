/**
 * `npm run export -- --out DIR --preset P [setup flags, setup-flags.ts] [--dataset PATH] [--lm DIR] [--vq DIR]
 *   [--backend wasm|cpu]`: the experiment `npm run replicate` would run with the same flags, written as files for a
 * PyTorch / Hugging Face run on a GPU cluster (`scale/train.py`; the layout is in src/core/experiment/export.ts).
 * Each file's SHA-256 goes into DIR/meta.json beside the hashes of the dataset, LM, VQ tokenizer and English texts
 * it came from. `--lr-sweep` is exported as a plan that scale/train.py carries out before the main run. The inputs
 * and their preparation are replicate's (experiment-inputs.ts, core/experiment/lifecycle.ts prepareData). Holds DIR's
 * run lock (run-lock.ts) while it writes, so it never writes into a folder another export or a run is writing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { initNodeBackend } from './backend-node';
import type { DataReader } from '../core/data/emoji';
import { buildExport } from '../core/experiment/export';
import { prepareData } from '../core/experiment/lifecycle';
import { metricsCsv } from '../core/experiment/metrics-csv';
import { readFolder } from './data/folder';
import { readPublicData } from './data/public-data';
import { EXPERIMENT_OPTIONS, EXPERIMENT_USAGE, loadInputs } from './experiment-inputs';
import { acquireRunLock } from './run-lock';
import { SETUP_OPTIONS, SETUP_USAGE, parseSetup } from './setup-flags';
import { UsageError, backendArg, parseFlags, runCli } from './common';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of every file in a directory (one level: checkpoints are flat). */
function hashDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) if (statSync(join(dir, f)).isFile()) out[f] = sha256(readFileSync(join(dir, f)));
  return out;
}

async function main(): Promise<void> {
  const usage = `usage: npm run export -- --out DIR ${SETUP_USAGE} ${EXPERIMENT_USAGE}`;
  const { values: a } = parseFlags({ ...SETUP_OPTIONS, ...EXPERIMENT_OPTIONS }, usage);
  if (!a.out) throw new UsageError(`--out is required; ${usage}`);
  if (!a.preset) throw new UsageError(`--preset is required; ${usage}`);
  if (a['train-vq']) throw new UsageError('--train-vq is not exported: train the tokenizer first (npm run train-vq -- --dataset PATH --out DIR) and pass --vq DIR');
  if (existsSync(join(a.out, 'meta.json'))) throw new UsageError(`${a.out}: already holds an export (meta.json); choose another --out or delete it`);
  const setup = parseSetup(a);
  const { cfg } = setup;
  const backend = backendArg(a.backend);
  const log = (s: string) => console.log(`export: ${s}`);
  // One writer per folder, as replicate and scale/train.py (run-lock.ts): a second export, or a run, into --out is refused.
  acquireRunLock(a.out, `npm run export -- ${process.argv.slice(2).join(' ')}`, log, false);
  const t0 = performance.now();
  await initNodeBackend(backend);

  // Read public data through a recorder, so every file the export depends on is hashed.
  const read = new Map<string, string>();
  const reader: DataReader = async (path) => {
    const bytes = await readPublicData(path);
    read.set(path, sha256(bytes));
    return bytes;
  };
  const { lm, tokenizer, vq, images } = await loadInputs({ lm: a.lm!, vq: a.vq!, dataset: a.dataset, trainVq: false }, cfg, { name: 'export', read: reader, shippedCodes: false, log });
  let datasetFiles: Record<string, string>;
  if (a.dataset) {
    datasetFiles = statSync(a.dataset).isDirectory() ? Object.fromEntries((await readFolder(a.dataset)).entries.map((e) => [e.path, sha256(e.bytes)])) : { [a.dataset]: sha256(readFileSync(a.dataset)) };
  } else {
    datasetFiles = Object.fromEntries([...read].map(([p, h]) => [`public/data/${p}`, h]));
    read.clear();
  }
  // The lifecycle's preparation (core/experiment/lifecycle.ts), with aligned rows for the sweep's seeds too.
  const { data, alignedRows } = await prepareData({ cfg, images, lm, tokenizer, vq, readData: reader, tokens: setup.tokens, sweep: setup.sweep }, cfg, log);
  const tokenizerFiles = new Map<string, Uint8Array>();
  for (const f of ['tokenizer.json', 'vocab.json', 'merges.txt']) if (existsSync(join(a.lm!, f))) tokenizerFiles.set(f, new Uint8Array(readFileSync(join(a.lm!, f))));
  const command = `npm run export -- ${process.argv.slice(2).join(' ')}`;
  const { files } = await buildExport(
    cfg,
    data,
    lm,
    alignedRows,
    setup.sweep,
    setup.recordedSweep,
    setup.tokens,
    {
      command,
      dataset: { name: images.name, files: datasetFiles },
      lm: { path: a.lm!, files: hashDir(a.lm!) },
      vq: { path: a.vq!, files: hashDir(a.vq!) },
      english: Object.fromEntries([...read].map(([p, h]) => [`public/data/${p}`, h])),
      tokenizerFiles,
    },
    metricsCsv,
    log,
  );
  // meta.json last, with the hash of every other file: a reader can check the export is whole.
  const meta = JSON.parse(new TextDecoder().decode(files.get('meta.json')!)) as Record<string, unknown>;
  files.delete('meta.json');
  meta.files = Object.fromEntries([...files].map(([name, bytes]) => [name, sha256(bytes)]));
  let bytes = 0;
  for (const [name, b] of files) {
    mkdirSync(dirname(join(a.out, name)), { recursive: true });
    writeFileSync(join(a.out, name), b);
    bytes += b.length;
  }
  writeFileSync(join(a.out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  log(`${files.size + 1} files, ${(bytes / 2 ** 20).toFixed(1)} MiB, in ${((performance.now() - t0) / 1000).toFixed(0)} s → ${a.out}`);
  log(`arms ${cfg.arms.join(', ')} × ${cfg.seeds} seed(s), ${cfg.steps} steps of ${cfg.batchSize}${setup.sweep ? `, after an LR sweep over ${setup.sweep.lrs.join(', ')}` : ''}`);
  log(`next: accelerate launch scale/train.py --export ${a.out} --out RUN   (then: npm run report -- RUN)`);
  lm.dispose();
  vq.dispose();
}

runCli('export', main);
