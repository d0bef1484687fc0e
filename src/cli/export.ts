/**
 * `npm run export -- --out DIR --preset P [setup flags, setup-flags.ts] [--dataset PATH] [--lm DIR] [--vq DIR]
 *   [--backend wasm|cpu]`: the experiment `npm run replicate` would run with the same flags, written as files for a
 * PyTorch / Hugging Face run on a GPU cluster (`scale/train.py`; the layout is in src/core/experiment/export.ts).
 * Each file's SHA-256 goes into DIR/meta.json beside the hashes of the dataset, LM, VQ tokenizer and English texts
 * it came from. `--lr-sweep` is exported as a plan that scale/train.py carries out before the main run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { initNodeBackend } from '../core/backend-node';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { loadVQ } from '../core/checkpoint/vq';
import type { DataReader } from '../core/data/emoji';
import { loadEmojiDataset } from '../core/data/emoji';
import { stepsForTokens } from '../core/experiment/data';
import { buildExport } from '../core/experiment/export';
import { byodSplits, emojiSplits, prepareExperiment, type ImageSplits } from '../core/experiment/prepare';
import { metricsCsv } from '../core/experiment/metrics-csv';
import { loadByod } from './data/datasets';
import { readFolder } from './data/folder';
import { readPublicData } from './data/public-data';
import { decodePngNode } from './image-decode';
import { SETUP_OPTIONS, SETUP_USAGE, parseSetup } from './setup-flags';
import { UsageError, backendArg, dirSource, parseFlags, runCli } from './common';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of every file in a directory (one level: checkpoints are flat). */
function hashDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) if (statSync(join(dir, f)).isFile()) out[f] = sha256(readFileSync(join(dir, f)));
  return out;
}

async function main(): Promise<void> {
  const usage = `usage: npm run export -- --out DIR ${SETUP_USAGE} [--dataset PATH] [--lm DIR] [--vq DIR] [--backend wasm|cpu|webgpu]`;
  const { values: a } = parseFlags(
    {
      ...SETUP_OPTIONS,
      out: { type: 'string' },
      dataset: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      lm: { type: 'string', default: 'public/models/lm-austen' },
      vq: { type: 'string', default: 'public/models/vq-twemoji32' },
      'train-vq': { type: 'boolean', default: false },
    },
    usage,
  );
  if (!a.out) throw new UsageError(`--out is required; ${usage}`);
  if (!a.preset) throw new UsageError(`--preset is required; ${usage}`);
  if (a['train-vq']) throw new UsageError('--train-vq is not exported: train the tokenizer first (npm run train-vq -- --dataset PATH --out DIR) and pass --vq DIR');
  if (existsSync(join(a.out, 'meta.json'))) throw new UsageError(`${a.out}: already holds an export (meta.json); choose another --out or delete it`);
  const setup = parseSetup(a);
  const { cfg } = setup;
  const backend = backendArg(a.backend);
  const log = (s: string) => console.log(`export: ${s}`);
  const t0 = performance.now();
  await initNodeBackend(backend);
  const lmSrc = await dirSource(a.lm!).catch(() => {
    throw new UsageError(`${a.lm}: no pre-trained LM there; run npm run pretrain (or pass --lm DIR with a GPT-2-layout checkpoint)`);
  });
  const { model: lm } = await loadGPT2(lmSrc, 'export-lm');
  const tokenizer = await checkpointTokenizer(lmSrc, undefined, lm.config.vocabSize);
  const { model: vq } = await loadVQ(await dirSource(a.vq!));

  // Read public data through a recorder, so every file the export depends on is hashed.
  const read = new Map<string, string>();
  const reader: DataReader = async (path) => {
    const bytes = await readPublicData(path);
    read.set(path, sha256(bytes));
    return bytes;
  };
  let images: ImageSplits;
  let datasetFiles: Record<string, string>;
  if (a.dataset) {
    images = byodSplits(await loadByod(a.dataset));
    datasetFiles = statSync(a.dataset).isDirectory() ? Object.fromEntries((await readFolder(a.dataset)).entries.map((e) => [e.path, sha256(e.bytes)])) : { [a.dataset]: sha256(readFileSync(a.dataset)) };
  } else {
    images = emojiSplits(await loadEmojiDataset(reader, decodePngNode, 'twemoji'), cfg);
    datasetFiles = Object.fromEntries([...read].map(([p, h]) => [`public/data/${p}`, h]));
    read.clear();
  }
  // The sweep and its seeds need their aligned rows too (prepareExperiment makes them per seed).
  const seeds = Math.max(cfg.seeds, setup.sweep?.seeds ?? 0);
  const { data, alignedRows } = await prepareExperiment({ ...cfg, seeds }, images, lm, tokenizer, vq, reader, log);
  if (setup.tokens !== null) {
    const { steps, perSequence } = stepsForTokens(data, cfg, setup.tokens);
    cfg.steps = steps;
    log(`--tokens ${setup.tokens} = ${cfg.steps} steps of ${cfg.batchSize} sequences (${perSequence.toFixed(1)} trained tokens each)`);
  }
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
