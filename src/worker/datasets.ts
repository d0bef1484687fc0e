// The worker's datasets: the shipped emoji (decoded once per style and kept) or a dropped bring-your-own zip,
// as the core's train/validation splits, plus the summary and preview grid the Data panel shows.
import { captionOf, splitIndices, type CaptionLevel } from '../core/data/captions';
import { loadByodZip, type ByodDataset } from '../core/data/byod';
import { loadEmojiDataset, type EmojiDataset } from '../core/data/emoji';
import { byodSplitImages, byodSplits, emojiSplits, type ImageSplits } from '../core/experiment/prepare';
import { decodeImageBrowser, readPublicData, toPictures } from './browser-io';
import type { DataSummary, DatasetSpec } from './protocol';

const emoji = new Map<string, Promise<EmojiDataset>>();
let byod: { key: Uint8Array; ds: Promise<ByodDataset> } | null = null;

export function emojiDataset(style: 'twemoji' | 'noto'): Promise<EmojiDataset> {
  if (!emoji.has(style)) {
    const p = loadEmojiDataset(readPublicData, decodeImageBrowser, style);
    p.catch(() => emoji.delete(style));
    emoji.set(style, p);
  }
  return emoji.get(style)!;
}

export function byodDataset(name: string, zip: Uint8Array): Promise<ByodDataset> {
  if (byod?.key !== zip) byod = { key: zip, ds: loadByodZip(name, zip, decodeImageBrowser) };
  return byod.ds;
}

/** Train/validation splits for an experiment or tokenizer training. */
export async function splitsFor(
  spec: DatasetSpec,
  cfg: { trainImages: number; evalImages: number; captionLevel: CaptionLevel },
): Promise<ImageSplits> {
  if (spec.kind === 'emoji') return emojiSplits(await emojiDataset(spec.style), cfg);
  const ds = await byodDataset(spec.name, spec.zip);
  if (ds.refused) throw new Error(`${spec.name}: unusable dataset: ${ds.refused}`);
  return byodSplits(ds);
}

export async function summarise(spec: DatasetSpec, level: CaptionLevel, preview: number): Promise<DataSummary> {
  if (spec.kind === 'emoji') {
    const ds = await emojiDataset(spec.style);
    const items = ds.captions.items;
    const train = splitIndices(items, 'train');
    const val = splitIndices(items, 'val');
    // An even spread over the whole set, so the grid shows faces, animals, food, flags …
    const pick = Array.from({ length: Math.min(preview, items.length) }, (_, k) =>
      Math.floor((k * items.length) / Math.min(preview, items.length)),
    );
    const pictures = toPictures(ds.pixels(pick), ds.meta.cell, pick.length);
    return {
      name: `${ds.meta.title} (${ds.meta.licence})`,
      images: items.length - ds.meta.missing.length,
      trainImages: train.length,
      valImages: val.length,
      problems: [],
      refused: null,
      preview: pick.map((i, k) => ({ caption: captionOf(items[i], level), picture: pictures[k] })),
    };
  }
  const ds = await byodDataset(spec.name, spec.zip);
  const summary: DataSummary = {
    name: ds.name,
    images: ds.images.length,
    trainImages: 0,
    valImages: 0,
    problems: ds.problems,
    refused: ds.refused,
    preview: [],
  };
  if (ds.refused || !ds.images.length) return summary;
  const s = byodSplits(ds);
  const split = byodSplitImages(ds);
  summary.trainImages = split.train.length;
  summary.valImages = ds.images.length - split.train.length; // 0 when a tiny set validates on its training images
  summary.preview = toPictures(s.train, s.size, Math.min(preview, s.trainCount)).map((picture, k) => ({
    caption: s.trainCaptions[k],
    picture,
  }));
  return summary;
}
