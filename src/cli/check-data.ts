/**
 * `npm run check-data -- PATH`: validates a bring-your-own dataset (a folder, a .zip, or a .txt corpus) exactly as
 * the app will, prints a summary (images, captions, corpora) and every problem with its file and row, and exits
 * non-zero only when the dataset is unusable.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { DEFAULT_BYOD_LIMITS, formatProblem, loadByodFiles, loadByodZip, type ByodDataset } from '../core/data/byod';
import { decodeUtf8Strict } from '../core/data/utf8';
import type { ZipEntry } from '../core/data/zip';
import { decodeImageNode } from './image-decode';
import { UsageError, runCli } from './common';

async function readFolder(root: string): Promise<ZipEntry[]> {
  const out: ZipEntry[] = [];
  let total = 0;
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      if (name.startsWith('.') || name === '__MACOSX') continue;
      const full = join(dir, name);
      const s = await stat(full);
      if (s.isDirectory()) await walk(full);
      else if (s.isFile()) {
        total += s.size;
        if (total > DEFAULT_BYOD_LIMITS.maxTotalBytes) throw new UsageError(`${root}: more than ${DEFAULT_BYOD_LIMITS.maxTotalBytes / 2 ** 20} MiB of files; use fewer or smaller images`);
        if (out.length >= DEFAULT_BYOD_LIMITS.maxEntries) throw new UsageError(`${root}: more than ${DEFAULT_BYOD_LIMITS.maxEntries} files; split the dataset`);
        out.push({ path: relative(root, full).split('\\').join('/'), bytes: new Uint8Array(await readFile(full)) });
      }
    }
  };
  await walk(root);
  return out;
}

function summary(ds: ByodDataset): string[] {
  const lines: string[] = [];
  const words = ds.images.map((i) => i.caption.split(' ').length);
  const mean = words.length ? words.reduce((a, b) => a + b, 0) / words.length : 0;
  lines.push(`  images: ${ds.images.length} usable${words.length ? ` (captions: mean ${mean.toFixed(1)} words, longest ${Math.max(...words)})` : ''}`);
  for (const c of ds.corpora) lines.push(`  corpus: ${c.file} (${c.text.length.toLocaleString('en')} characters)`);
  if (ds.images.length) lines.push(`  example: ${ds.images[0].file} — "${ds.images[0].caption}"`);
  lines.push(ds.problems.length ? `  problems (${ds.problems.length}):` : '  problems: none');
  for (const p of ds.problems) lines.push(`    ${formatProblem(p)}`);
  return lines;
}

async function main(): Promise<void> {
  const path = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (!path) throw new UsageError('usage: npm run check-data -- PATH (a dataset folder, a .zip, or a .txt corpus)');
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
    console.log(`  corpus: ${text.length.toLocaleString('en')} characters, ${text.split(/\s+/).filter(Boolean).length.toLocaleString('en')} words\nverdict: usable`);
    return;
  }
  let ds: ByodDataset;
  if (s.isDirectory()) ds = await loadByodFiles(basename(path), await readFolder(path), decodeImageNode);
  else if (/\.zip$/i.test(path)) ds = await loadByodZip(basename(path), new Uint8Array(await readFile(path)), decodeImageNode);
  else throw new UsageError(`${path}: not a folder, .zip or .txt; give a dataset folder or archive`);
  for (const l of summary(ds)) console.log(l);
  if (ds.refused) throw new Error(`unusable: ${ds.refused}`);
  console.log(`verdict: usable (${ds.images.length} images${ds.problems.length ? `; ${ds.problems.length} problem${ds.problems.length === 1 ? '' : 's'} skipped` : ''})`);
}

runCli('check-data', main);
