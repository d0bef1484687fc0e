/**
 * Emoji images and captions for build-data: every emoji of emoji-datasource and its skin-tone variants, cut from
 * the 32 px sheets (cells at sheet_x·34+1, sheet_y·34+1) into one atlas per style, with five caption levels and a
 * seeded split by concept (all variants of one emoji on the same side).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { Rng } from '../../core/nn/init';
import type { EmojiItem } from '../../core/data/captions';
import { captionLevels } from './captions';

const require = createRequire(import.meta.url);
export const CELL = 32;
export const ATLAS_COLS = 64;
/** Styles we ship. Apple's and Facebook's sheets are never used (their licences do not allow it). */
export const STYLES = {
  twemoji: { sheet: 'twitter', flag: 'has_img_twitter', title: 'Twemoji (Twitter/X)', licence: 'CC-BY 4.0' },
  noto: { sheet: 'google', flag: 'has_img_google', title: 'Noto Color Emoji (Google)', licence: 'Apache-2.0' },
} as const;
export type StyleName = keyof typeof STYLES;

interface DatasourceVariant {
  unified: string;
  sheet_x: number;
  sheet_y: number;
  has_img_twitter?: boolean;
  has_img_google?: boolean;
}
interface DatasourceEmoji extends DatasourceVariant {
  name: string;
  short_name: string;
  category: string;
  subcategory: string;
  sort_order: number;
  skin_variations?: Record<string, DatasourceVariant>;
}
interface BaseEntry {
  label: string;
  hexcode: string;
  tags?: string[];
  skins?: BaseEntry[];
}

const norm = (hex: string) => hex.toUpperCase().split('-').filter((p) => p !== 'FE0F').join('-');

export interface EmojiSource {
  item: EmojiItem;
  cell: { x: number; y: number };
  has: Record<StyleName, boolean>;
}

/** All images, base emoji in emoji-datasource order, each followed by its skin-tone variants. */
export function loadEmojiSources(splitSeed: number, valShare: number): EmojiSource[] {
  const ds = JSON.parse(readFileSync(require.resolve('emoji-datasource/emoji.json'), 'utf8')) as DatasourceEmoji[];
  const eb = JSON.parse(readFileSync(require.resolve('emojibase-data/en/data.json'), 'utf8')) as BaseEntry[];
  const byHex = new Map<string, BaseEntry>();
  for (const e of eb) {
    byHex.set(norm(e.hexcode), e);
    for (const s of e.skins ?? []) byHex.set(norm(s.hexcode), { ...s, tags: s.tags ?? e.tags });
  }
  ds.sort((a, b) => a.sort_order - b.sort_order || a.unified.localeCompare(b.unified));
  // Split by concept: shuffle the base emoji with a fixed seed, the first valShare go to validation.
  const concepts = ds.map((_, i) => i);
  new Rng(splitSeed).shuffle(concepts);
  const nVal = Math.round(valShare * concepts.length);
  const isVal = new Set(concepts.slice(0, nVal));
  const out: EmojiSource[] = [];
  ds.forEach((e, concept) => {
    const variants: [string | null, DatasourceVariant][] = [[null, e], ...Object.entries(e.skin_variations ?? {}).sort(([a], [b]) => a.localeCompare(b))];
    for (const [tone, v] of variants) {
      const base = byHex.get(norm(v.unified));
      const cldr = base?.label ?? e.name.toLowerCase();
      const captions = captionLevels({ category: e.category, subcategory: e.subcategory, shortName: e.short_name, cldrName: cldr, keywords: base?.tags ?? [], tone });
      out.push({
        item: { index: out.length, code: v.unified.toLowerCase(), concept, split: isVal.has(concept) ? 'val' : 'train', captions },
        cell: { x: v.sheet_x * 34 + 1, y: v.sheet_y * 34 + 1 },
        has: { twemoji: Boolean(v.has_img_twitter), noto: Boolean(v.has_img_google) },
      });
    }
  });
  return out;
}

/** Cut each source's cell from a style's sheet into an atlas PNG (ATLAS_COLS cells per row; missing cells transparent). */
export function buildAtlas(sources: EmojiSource[], style: StyleName): { png: Buffer; missing: number[] } {
  const sheet = PNG.sync.read(readFileSync(require.resolve(`emoji-datasource/img/${STYLES[style].sheet}/sheets/32.png`)));
  const rows = Math.ceil(sources.length / ATLAS_COLS);
  const atlas = new PNG({ width: ATLAS_COLS * CELL, height: rows * CELL });
  atlas.data.fill(0);
  const missing: number[] = [];
  sources.forEach((s, i) => {
    if (!s.has[style]) {
      missing.push(i);
      return;
    }
    const ox = (i % ATLAS_COLS) * CELL;
    const oy = Math.floor(i / ATLAS_COLS) * CELL;
    for (let y = 0; y < CELL; y++) {
      const from = ((s.cell.y + y) * sheet.width + s.cell.x) * 4;
      sheet.data.copy(atlas.data, ((oy + y) * atlas.width + ox) * 4, from, from + CELL * 4);
    }
  });
  return { png: PNG.sync.write(atlas, { colorType: 6, deflateLevel: 9, filterType: 4 }), missing };
}
