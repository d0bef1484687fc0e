/**
 * Loading the shipped emoji dataset (public/data/emoji): captions, the style's atlas and its images as float RGB.
 * File access and PNG decoding are passed in, so the same code runs in Node and in the worker.
 */
import { parseCaptionsFile, type CaptionsFile } from './captions';
import { imagesFromAtlas, type RGBAImage } from './images';

export const EMOJI_STYLES = ['twemoji', 'noto'] as const;
export type EmojiStyle = (typeof EMOJI_STYLES)[number];

export interface StyleMeta {
  file: string;
  title: string;
  licence: string;
  cell: number;
  cols: number;
  count: number;
  /** Items this style has no image for (transparent cells). */
  missing: number[];
}

/** Reads a file under public/data (fetch in the browser, fs in Node). */
export type DataReader = (path: string) => Promise<Uint8Array>;
export type PngDecoder = (bytes: Uint8Array, file: string) => Promise<RGBAImage> | RGBAImage;

export interface EmojiDataset {
  style: EmojiStyle;
  meta: StyleMeta;
  captions: CaptionsFile;
  atlas: RGBAImage;
  /** Images [n, cell, cell, 3] in [0, 1] (alpha on white) for the given item indices. */
  pixels(indices: number[]): Float32Array;
}

const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;

export async function loadEmojiDataset(read: DataReader, decodePng: PngDecoder, style: EmojiStyle = 'twemoji'): Promise<EmojiDataset> {
  if (!EMOJI_STYLES.includes(style)) throw new Error(`unknown emoji style ${style} (use ${EMOJI_STYLES.join(' or ')})`);
  const [capBytes, styleBytes] = await Promise.all([read('emoji/captions.json'), read('emoji/styles.json')]);
  const captions = parseCaptionsFile(json(capBytes), 'emoji/captions.json');
  const meta = (json(styleBytes) as Record<string, StyleMeta>)[style];
  if (!meta) throw new Error(`emoji/styles.json: no entry for style ${style}`);
  if (meta.count !== captions.items.length) throw new Error(`emoji/styles.json: ${style} has ${meta.count} cells but captions.json lists ${captions.items.length} items; run npm run build-data`);
  const atlas = await decodePng(await read(`emoji/${meta.file}`), `emoji/${meta.file}`);
  return { style, meta, captions, atlas, pixels: (indices) => imagesFromAtlas(atlas, indices, meta.cell, meta.cols) };
}
