/**
 * The body of `npm run export`, shared with `npm run replicate -- --engine torch`: load the inputs through a recorder
 * (so every file the export depends on is hashed), prepare the data with the lifecycle's preparation
 * (core/experiment/lifecycle-inputs.ts prepareData, aligned rows for the sweep's seeds too), build the export
 * (core/experiment/export.ts, with the LR sweep's own split: export-sweep.ts) and write it into a folder with meta.json last, holding every other file's SHA-256.
 * Returns the loaded inputs and the prepared data, so a caller can go on with them (the torch engine finishes a run
 * with them).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataReader } from '../core/data/emoji';
import { sequenceLength } from '../core/data/sequences';
import { sequenceSpec } from '../core/experiment/data';
import { buildExport } from '../core/experiment/export';
import { sweepExport } from '../core/experiment/export-sweep';
import { sweepData } from '../core/experiment/sweep-plan';
import { prepareData } from '../core/experiment/lifecycle-inputs';
import { metricsCsv } from '../core/experiment/metrics-csv';
import type { Prepared } from '../core/experiment/prepare';
import { readFolder } from './data/folder';
import { readPublicData } from './data/public-data';
import { loadInputs, type LoadedInputs } from './experiment-inputs';
import type { Setup } from './setup-flags';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of every file in a directory (one level: checkpoints are flat). */
function hashDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort())
    if (statSync(join(dir, f)).isFile()) out[f] = sha256(readFileSync(join(dir, f)));
  return out;
}

export interface ExportRequest {
  setup: Setup;
  lm: string;
  vq: string;
  dataset?: string;
  /** The folder to write (created); its meta.json is written last. */
  out: string;
  /** The command recorded in meta.json. */
  command: string;
  /** 'export' or 'replicate': the name the loaded models get. */
  name: string;
  log: (s: string) => void;
}

/**
 * Export the experiment of `r.setup` into `r.out` (the layout of core/experiment/export.ts). `r.setup.cfg` gets the
 * --tokens budget as steps. Returns the inputs (the caller disposes the LM and VQ tokenizer), the prepared data and
 * the export's size.
 */
export async function writeExport(
  r: ExportRequest,
): Promise<{ inputs: LoadedInputs; prepared: Prepared; files: number; bytes: number }> {
  const { cfg } = r.setup;
  const read = new Map<string, string>();
  const reader: DataReader = async (path) => {
    const bytes = await readPublicData(path);
    read.set(path, sha256(bytes));
    return bytes;
  };
  const inputs = await loadInputs({ lm: r.lm, vq: r.vq, dataset: r.dataset, trainVq: false }, cfg, {
    name: r.name,
    read: reader,
    shippedCodes: false,
    log: r.log,
  });
  const { lm, tokenizer, vq, images } = inputs;
  let datasetFiles: Record<string, string>;
  if (r.dataset) {
    datasetFiles = statSync(r.dataset).isDirectory()
      ? Object.fromEntries((await readFolder(r.dataset)).entries.map((e) => [e.path, sha256(e.bytes)]))
      : { [r.dataset]: sha256(readFileSync(r.dataset)) };
  } else {
    datasetFiles = Object.fromEntries([...read].map(([p, h]) => [`public/data/${p}`, h]));
    read.clear();
  }
  const prepared = await prepareData(
    { cfg, images, lm, tokenizer, vq, readData: reader, tokens: r.setup.tokens, sweep: r.setup.sweep },
    cfg,
    r.log,
  );
  const tokenizerFiles = new Map<string, Uint8Array>();
  for (const f of ['tokenizer.json', 'vocab.json', 'merges.txt'])
    if (existsSync(join(r.lm, f))) tokenizerFiles.set(f, new Uint8Array(readFileSync(join(r.lm, f))));
  // The sweep's own split and batch order (export-sweep.ts): scored on the selection images, as replicate sweeps.
  const sweepFiles = r.setup.sweep
    ? sweepExport(
        cfg,
        r.setup.sweep,
        sweepData(prepared.data, images),
        lm,
        prepared.alignedRows,
        sequenceSpec(prepared.data, cfg.captionBudget, false),
        sequenceLength(sequenceSpec(prepared.data, cfg.captionBudget, false)),
      )
    : null;
  const { files } = await buildExport(
    cfg,
    prepared.data,
    lm,
    prepared.alignedRows,
    r.setup.sweep,
    r.setup.recordedSweep,
    r.setup.tokens,
    {
      command: r.command,
      dataset: { name: images.name, files: datasetFiles },
      lm: { path: r.lm, files: hashDir(r.lm) },
      vq: { path: r.vq, files: hashDir(r.vq) },
      english: Object.fromEntries([...read].map(([p, h]) => [`public/data/${p}`, h])),
      tokenizerFiles,
    },
    metricsCsv,
    r.log,
    sweepFiles,
  );
  // meta.json last, with the hash of every other file: a reader can check the export is whole.
  const meta = JSON.parse(new TextDecoder().decode(files.get('meta.json')!)) as Record<string, unknown>;
  files.delete('meta.json');
  meta.files = Object.fromEntries([...files].map(([name, bytes]) => [name, sha256(bytes)]));
  let bytes = 0;
  for (const [name, b] of files) {
    mkdirSync(dirname(join(r.out, name)), { recursive: true });
    writeFileSync(join(r.out, name), b);
    bytes += b.length;
  }
  writeFileSync(join(r.out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return { inputs, prepared, files: files.size + 1, bytes };
}
