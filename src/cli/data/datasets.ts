// The image datasets a Node entry point can train or evaluate on: the shipped emoji (by style) or a bring-your-own
// folder/zip (split 90/10 by a seeded shuffle), as train and validation pixel arrays (the splitting is the core's).
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadEmojiDataset, type EmojiStyle } from '../../core/data/emoji';
import { loadByodFiles, loadByodZip, formatProblem, type ByodDataset } from '../../core/data/byod';
import { emojiSplits as coreEmojiSplits, type ImageSplits } from '../../core/experiment/prepare';
import { decodeImageNode, decodePngNode } from '../image-decode';
import { readPublicData } from './public-data';
import { readFolder } from './folder';
import { UsageError } from '../common';

export type { ImageSplits };

export async function loadByod(path: string): Promise<ByodDataset> {
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new UsageError(`${path}: no such dataset folder or .zip`);
  }
  const folder = s.isDirectory() ? await readFolder(path) : null;
  const ds = folder ? await loadByodFiles(basename(path), folder.entries, decodeImageNode, undefined, folder.problems) : await loadByodZip(basename(path), new Uint8Array(await readFile(path)), decodeImageNode);
  if (ds.refused) throw new UsageError(`${path}: unusable dataset: ${ds.refused}`);
  for (const p of ds.problems) console.error(`  skipped: ${formatProblem(p)}`);
  return ds;
}

/** Every train and validation image of an emoji style. */
export async function emojiSplits(style: EmojiStyle): Promise<ImageSplits> {
  return coreEmojiSplits(await loadEmojiDataset(readPublicData, decodePngNode, style), { trainImages: 0, evalImages: 0, captionLevel: 'L2' });
}
