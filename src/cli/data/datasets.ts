// The image datasets a Node entry point can train or evaluate on: the shipped emoji (by style) or a bring-your-own
// folder/zip (split 90/10 by a seeded shuffle), as train and validation pixel arrays.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadEmojiDataset, type EmojiStyle } from '../../core/data/emoji';
import { splitIndices } from '../../core/data/captions';
import { loadByodFiles, loadByodZip, formatProblem, type ByodDataset } from '../../core/data/byod';
import { compositeOnWhite } from '../../core/data/images';
import { Rng } from '../../core/nn/init';
import { decodeImageNode, decodePngNode } from '../image-decode';
import { readPublicData } from './public-data';
import { readFolder } from './folder';
import { UsageError } from '../common';

export interface ImageSplits {
  name: string;
  size: number;
  train: Float32Array;
  trainCount: number;
  val: Float32Array;
  valCount: number;
  /** Captions aligned with train/val (for the experiment). */
  trainCaptions?: string[];
  valCaptions?: string[];
}

export async function loadByod(path: string): Promise<ByodDataset> {
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new UsageError(`${path}: no such dataset folder or .zip`);
  }
  const ds = s.isDirectory() ? await loadByodFiles(basename(path), await readFolder(path), decodeImageNode) : await loadByodZip(basename(path), new Uint8Array(await readFile(path)), decodeImageNode);
  if (ds.refused) throw new UsageError(`${path}: unusable dataset: ${ds.refused}`);
  for (const p of ds.problems) console.error(`  skipped: ${formatProblem(p)}`);
  return ds;
}

/** Bring-your-own images split 90/10 with a fixed seed; every image in a split is composited on white. */
export function splitByod(ds: ByodDataset, seed = 1): ImageSplits {
  const size = ds.images[0].image.width;
  const order = new Rng(seed).shuffle([...ds.images.keys()]);
  const nVal = ds.images.length >= 10 ? Math.max(1, Math.round(0.1 * ds.images.length)) : 0;
  const pick = (idx: number[]) => {
    const out = new Float32Array(idx.length * size * size * 3);
    idx.forEach((i, k) => compositeOnWhite(ds.images[i].image, out, k * size * size * 3));
    return out;
  };
  const val = order.slice(0, nVal);
  const train = order.slice(nVal);
  const valIdx = val.length ? val : train; // tiny datasets validate on their training images (said in the output)
  return { name: ds.name, size, train: pick(train), trainCount: train.length, val: pick(valIdx), valCount: valIdx.length, trainCaptions: train.map((i) => ds.images[i].caption), valCaptions: valIdx.map((i) => ds.images[i].caption) };
}

export async function emojiSplits(style: EmojiStyle): Promise<ImageSplits> {
  const ds = await loadEmojiDataset(readPublicData, decodePngNode, style);
  const tr = splitIndices(ds.captions.items, 'train');
  const va = splitIndices(ds.captions.items, 'val');
  return { name: `emoji-${style}`, size: ds.meta.cell, train: ds.pixels(tr), trainCount: tr.length, val: ds.pixels(va), valCount: va.length };
}
