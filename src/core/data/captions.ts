// The emoji dataset's metadata (public/data/emoji/captions.json): items, their five caption levels and split.

import { isEmptyText } from './text';

export const LEVELS = ['L0', 'L1', 'L2', 'L3', 'L4'] as const;
export type CaptionLevel = (typeof LEVELS)[number];

export interface EmojiItem {
  /** Position in the atlases. */
  index: number;
  /** Unicode code points, lower-case hex joined by '-'. */
  code: string;
  /** Index of the base emoji; skin-tone variants share it (splits are by concept). */
  concept: number;
  split: 'train' | 'val';
  /** Captions at L0…L4. */
  captions: [string, string, string, string, string];
}

export interface CaptionsFile {
  version: 1;
  levels: Record<CaptionLevel, string>;
  split: { seed: number; valShare: number };
  items: EmojiItem[];
}

/** Validate a parsed captions.json; throws naming the file and the first bad item. */
export function parseCaptionsFile(json: unknown, file = 'captions.json'): CaptionsFile {
  const j = json as CaptionsFile;
  if (!j || j.version !== 1 || !Array.isArray(j.items)) throw new Error(`${file}: not a version-1 captions file (expected {version: 1, items: [...]})`);
  j.items.forEach((it, i) => {
    if (it.index !== i) throw new Error(`${file}: item ${i} has index ${it.index}; items must be in atlas order`);
    if (!Array.isArray(it.captions) || it.captions.length !== LEVELS.length || it.captions.some((c) => typeof c !== 'string' || isEmptyText(c)))
      throw new Error(`${file}: item ${i} (${it.code}) needs ${LEVELS.length} non-empty captions`);
    if (it.split !== 'train' && it.split !== 'val') throw new Error(`${file}: item ${i} has split ${JSON.stringify(it.split)}`);
  });
  return j;
}

/** The caption of an item at a level. */
export function captionOf(item: EmojiItem, level: CaptionLevel): string {
  const i = LEVELS.indexOf(level);
  if (i < 0) throw new Error(`unknown caption level ${level} (use ${LEVELS.join(', ')})`);
  return item.captions[i];
}

/** Indices of the items in a split. */
export function splitIndices(items: EmojiItem[], split: 'train' | 'val'): number[] {
  return items.filter((it) => it.split === split).map((it) => it.index);
}
