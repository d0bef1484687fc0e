/**
 * `npm run check-data -- PATH`: validates a bring-your-own dataset (a folder, a .zip, or a .txt corpus) exactly as
 * the app will, prints a summary (images, captions, corpora) and every problem with its file and row, and exits
 * non-zero only when the dataset is unusable.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { MIN_HELD_OUT_IMAGES, formatProblem, loadByodFiles, loadByodZip, type ByodDataset } from '../core/data/byod';
import { isEmptyText } from '../core/data/text';
import { decodeUtf8Strict } from '../core/data/utf8';
import { decodeImageNode } from './image-decode';
import { UsageError, parseFlags, runCli } from './common';
import { readFolder } from './data/folder';

function summary(ds: ByodDataset): string[] {
  const lines: string[] = [];
  const words = ds.images.flatMap((i) => i.captions.map((c) => c.split(' ').length));
  const mean = words.length ? words.reduce((a, b) => a + b, 0) / words.length : 0;
  const several = words.length > ds.images.length ? `${words.length} ` : '';
  lines.push(
    `  images: ${ds.images.length} usable${words.length ? ` (${several}captions: mean ${mean.toFixed(1)} words, longest ${Math.max(...words)})` : ''}`,
  );
  for (const c of ds.corpora) lines.push(`  corpus: ${c.file} (${c.text.length.toLocaleString('en')} characters)`);
  if (ds.images.length) lines.push(`  example: ${ds.images[0].file} — "${ds.images[0].caption}"`);
  // A refused dataset's reason is its problem (printed as the verdict): 'problems: none' would contradict it.
  if (ds.problems.length) lines.push(`  problems (${ds.problems.length}):`);
  else if (!ds.refused) lines.push('  problems: none');
  for (const p of ds.problems) lines.push(`    ${formatProblem(p)}`);
  return lines;
}

async function main(): Promise<void> {
  const usage = 'usage: npm run check-data -- PATH (a dataset folder, a .zip, or a .txt corpus)';
  const { positionals } = parseFlags(
    {},
    usage,
    true,
    'Validates a bring-your-own dataset as the app will: images, captions, and every problem with its file, row and fix; exits non-zero only when the dataset is unusable.',
  );
  if (positionals.length > 1) throw new UsageError(`one PATH at a time, got ${positionals.length}; ${usage}`);
  const path = positionals[0];
  if (!path) throw new UsageError(usage);
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new UsageError(`${path}: no such file or folder`);
  }
  console.log(`check-data: ${path}`);
  if (s.isFile() && /\.txt$/i.test(path)) {
    let text: string;
    try {
      text = decodeUtf8Strict(new Uint8Array(await readFile(path)));
    } catch (e) {
      throw new Error(`unusable: ${path}: ${(e as Error).message}; save it as UTF-8`, { cause: e });
    }
    if (isEmptyText(text))
      throw new Error(
        `unusable: ${path}: the corpus is empty (nothing but spaces or invisible characters); put English text in it`,
      );
    console.log(
      `  corpus: ${text.length.toLocaleString('en')} characters, ${text.split(/\s+/).filter(Boolean).length.toLocaleString('en')} words\nverdict: usable`,
    );
    return;
  }
  let ds: ByodDataset;
  if (s.isDirectory()) {
    const folder = await readFolder(path);
    ds = await loadByodFiles(basename(path), folder.entries, decodeImageNode, undefined, folder.problems);
  } else if (/\.zip$/i.test(path))
    ds = await loadByodZip(basename(path), new Uint8Array(await readFile(path)), decodeImageNode);
  else throw new UsageError(`${path}: not a folder, .zip or .txt; give a dataset folder or archive`);
  for (const l of summary(ds)) console.log(l);
  if (ds.refused) throw new Error(`unusable: ${ds.refused}`);
  if (ds.images.length < MIN_HELD_OUT_IMAGES)
    console.log(
      `  note: under ${MIN_HELD_OUT_IMAGES} images nothing is held out — replicate validates on the training images, so its "held-out" losses measure memorisation`,
    );
  console.log(
    `verdict: usable (${ds.images.length} image${ds.images.length === 1 ? '' : 's'}${ds.problems.length ? `; ${ds.problems.length} problem${ds.problems.length === 1 ? '' : 's'} skipped` : ''})`,
  );
}

runCli('check-data', main);
