/**
 * Everything the experiment needs before its first step, shared by `npm run replicate` and the playground's worker:
 * the images as train/validation pixel splits (shipped emoji or bring-your-own), their VQ codes (picked from a
 * pre-computed code table when the caller has one for this tokenizer, else encoded), captions as text ids, the
 * English token streams, and (rowInit 'aligned') the contrastively aligned new rows per seed and init. Only what the first step
 * needs is done up front: the held-out English is tokenized only as far as the evaluations read it, and the
 * pre-training stream (the mix arm's batches, the final analysis) on first use.
 */
import { captionOf, splitIndices, type EmojiItem } from '../data/captions';
import { AUSTEN_BOOKS, ENGLISH_TEXTS, tokenStream } from '../data/corpus';
import { MIN_HELD_OUT_IMAGES, type ByodDataset } from '../data/byod';
import type { DataReader, EmojiDataset } from '../data/emoji';
import { compositeOnWhite, DeviceImages } from '../data/images';
import type { GPT } from '../nn/gpt';
import { Rng } from '../nn/init';
import type { VQVAE } from '../nn/vqvae';
import type { TextTokenizer } from '../tokenize/hf';
import { alignImageRows, DEFAULT_ALIGN } from './alignment';
import { seedsOf, type ExperimentConfig } from './config';
import { pickCodes } from '../data/codes';
import { encodeImages, type ExperimentData, type Split } from './data';
import { newRows, planVocab, scratchTextRows } from './extend';
import { stratifiedOrder } from './selection';

/** Images as [n, S, S, 3] pixels in [0, 1] with captions, split into train and validation. */
export interface ImageSplits {
  name: string;
  size: number;
  train: Float32Array;
  trainCount: number;
  val: Float32Array;
  valCount: number;
  trainCaptions: string[];
  valCaptions: string[];
  /** Emoji categories per image (the quality figure's classes); null for bring-your-own data. */
  categories: { train: string[]; val: string[] } | null;
  /** The emoji concept of each image (captions.ts); absent for bring-your-own data. */
  concepts?: { train: number[]; val: number[] };
  /** Where each split's images sit in the dataset's own order (the emoji atlas, the zip's usable images): a code table's rows. */
  indices: { train: number[]; val: number[] };
  /** Images in the whole dataset (the code table's length). */
  datasetSize: number;
  /** True when the dataset is too small to hold images out (byodSplitImages): the validation images ARE the training images. */
  valIsTrain?: boolean;
}

export { MIN_HELD_OUT_IMAGES };

/**
 * What a split without held-out images means, in words for the log and the report; null when the split has them.
 * Under MIN_HELD_OUT_IMAGES images every "held-out" loss is measured on images the model trained on.
 */
export function sameImagesNote(images: Pick<ImageSplits, 'valIsTrain' | 'datasetSize'>): string | null {
  if (!images.valIsTrain) return null;
  return `The dataset has ${images.datasetSize} image${images.datasetSize === 1 ? '' : 's'}, under ${MIN_HELD_OUT_IMAGES}: none is held out, so the validation images ARE the training images and every "held-out" image and caption loss here measures memorisation, not generalisation. Use ${MIN_HELD_OUT_IMAGES} or more images for a held-out comparison.`;
}

/**
 * The shipped emoji at the config's caption level: train images evenly thinned to cfg.trainImages; the validation
 * images in a stratified order (selection.ts: every category in any prefix of 9 or more), capped at cfg.evalImages
 * (0: every validation image).
 */
export function emojiSplits(
  ds: EmojiDataset,
  cfg: Pick<ExperimentConfig, 'trainImages' | 'evalImages' | 'captionLevel'>,
): ImageSplits {
  const items = ds.captions.items;
  const { train: tr, val: va } = emojiSplitIndices(items, cfg);
  const category = emojiCategory(items);
  return {
    name: `emoji-${ds.style}`,
    size: ds.meta.cell,
    train: ds.pixels(tr),
    trainCount: tr.length,
    val: ds.pixels(va),
    valCount: va.length,
    trainCaptions: tr.map((i) => captionOf(items[i], cfg.captionLevel)),
    valCaptions: va.map((i) => captionOf(items[i], cfg.captionLevel)),
    categories: { train: tr.map(category), val: va.map(category) },
    concepts: { train: tr.map((i) => items[i].concept), val: va.map((i) => items[i].concept) },
    indices: { train: tr, val: va },
    datasetSize: items.length,
  };
}

/** The emoji category of an item (its L0 caption's first part), the quality figure's class. */
const emojiCategory = (items: EmojiItem[]) => (i: number) => captionOf(items[i], 'L0').split(',')[0];

/**
 * Which emoji (atlas indices) emojiSplits takes: the training split evenly thinned to cfg.trainImages, and the
 * validation split in the stratified order (or, `order` 'atlas', in atlas order as runs before it evaluated),
 * capped at cfg.evalImages (0: all).
 */
export function emojiSplitIndices(
  items: EmojiItem[],
  cfg: Pick<ExperimentConfig, 'trainImages' | 'evalImages'>,
  order: 'stratified' | 'atlas' = 'stratified',
): { train: number[]; val: number[] } {
  let tr = splitIndices(items, 'train');
  if (cfg.trainImages > 0 && cfg.trainImages < tr.length)
    tr = tr.filter((_, k) => k % Math.ceil(tr.length / cfg.trainImages) === 0);
  const allVal = splitIndices(items, 'val');
  const category = emojiCategory(items);
  const ordered = order === 'atlas' ? allVal : stratifiedOrder(allVal.map(category)).map((k) => allVal[k]);
  return { train: tr, val: ordered.slice(0, cfg.evalImages > 0 ? cfg.evalImages : undefined) };
}

/** Bring-your-own images split 90/10 by image with a fixed seed (indices into ds.images). Under 10 images validate on the training images. */
export function byodSplitImages(ds: ByodDataset, seed = 1): { train: number[]; val: number[] } {
  const order = new Rng(seed).shuffle([...ds.images.keys()]);
  const nVal = ds.images.length >= MIN_HELD_OUT_IMAGES ? Math.max(1, Math.round(0.1 * ds.images.length)) : 0;
  const train = order.slice(nVal);
  return { train, val: nVal ? order.slice(0, nVal) : train };
}

/** Bring-your-own images as examples, each composited on white: an image with several captions (COCO) gives one example per caption, on the same side of the split. */
export function byodSplits(ds: ByodDataset, seed = 1): ImageSplits {
  if (!ds.images.length) throw new Error(`${ds.name}: no usable image${ds.refused ? `: ${ds.refused}` : ''}`);
  const size = ds.images[0].image.width;
  const split = byodSplitImages(ds, seed);
  const examples = (idx: number[]) => idx.flatMap((i) => ds.images[i].captions.map((c) => [i, c] as const));
  const pick = (ex: (readonly [number, string])[]) => {
    const out = new Float32Array(ex.length * size * size * 3);
    ex.forEach(([i], k) => compositeOnWhite(ds.images[i].image, out, k * size * size * 3));
    return out;
  };
  const train = examples(split.train);
  const val = examples(split.val);
  return {
    name: ds.name,
    size,
    train: pick(train),
    trainCount: train.length,
    val: pick(val),
    valCount: val.length,
    trainCaptions: train.map(([, c]) => c),
    valCaptions: val.map(([, c]) => c),
    categories: null,
    indices: { train: train.map(([i]) => i), val: val.map(([i]) => i) },
    datasetSize: ds.images.length,
    valIsTrain: split.val === split.train,
  };
}

/** Contrastively aligned new rows per seed for each initialisation, aligned to that arm's own text table. */
export interface AlignedRows {
  pretrained: Float32Array[];
  scratch: Float32Array[];
}

export interface Prepared {
  data: ExperimentData;
  /** Mean caption length in ids, capped at the budget. */
  meanCaption: number;
  /** New rows per seed and init when cfg.rowInit is 'aligned' (else empty lists). */
  alignedRows: AlignedRows;
}

/**
 * Every image of the dataset behind `images` as VQ codes, [datasetSize × g²] in the dataset's order: the code table
 * a cache keeps (bring-your-own data in the page). `progress` counts the images encoded (it may throw to cancel).
 * Throws when the splits leave some image out (thinned emoji).
 */
export async function encodeCodeTable(
  vq: VQVAE,
  images: ImageSplits,
  progress: PrepareOptions['progress'] = () => {},
): Promise<Int32Array> {
  const P = vq.grid * vq.grid;
  const table = new Int32Array(images.datasetSize * P);
  const seen = new Uint8Array(images.datasetSize);
  for (const [pixels, n, idx, what] of [
    [images.train, images.trainCount, images.indices.train, 'training images turned into tokens'],
    [images.val, images.valCount, images.indices.val, 'held-out images turned into tokens'],
  ] as const) {
    const codes = await encodeDevice(vq, pixels, n, images.size, what, progress);
    idx.forEach((i, k) => {
      table.set(codes.subarray(k * P, (k + 1) * P), i * P);
      seen[i] = 1;
    });
  }
  const missing = seen.indexOf(0);
  if (missing >= 0)
    throw new Error(`${images.name}: image ${missing} is in neither split, so the code table would be incomplete`);
  return table;
}

async function encodeDevice(
  vq: VQVAE,
  pixels: Float32Array,
  n: number,
  size: number,
  what = 'images turned into tokens',
  progress: PrepareOptions['progress'] = () => {},
): Promise<Int32Array> {
  const imgs = new DeviceImages(pixels, n, size);
  try {
    progress(what, 0, n);
    return await encodeImages(vq, imgs, 256, (done, total) => progress(what, done, total));
  } finally {
    imgs.dispose();
  }
}

export interface PrepareOptions {
  /** Pre-computed codes of every image of the dataset for this VQ tokenizer (core/data/codes.ts), in dataset order; without it the images are encoded. */
  codes?: Int32Array | null;
  /** Counts the images turned into codes, (what, done, total); it may throw to cancel (nothing is left allocated). */
  progress?: (what: string, done: number, total: number) => void;
  /** The seeds to align new rows for (rowInit 'aligned'); seedsOf(cfg) when absent. */
  alignSeeds?: number[];
}

/**
 * The experiment's data: image codes (from `opts.codes` or encoded with the VQ tokenizer), the captions and English
 * texts through the LM's tokenizer. `data.english.train` is tokenized on first read.
 */
export async function prepareExperiment(
  cfg: ExperimentConfig,
  images: ImageSplits,
  lm: GPT,
  tokenizer: TextTokenizer,
  vq: VQVAE,
  readData: DataReader,
  log: (s: string) => void = () => {},
  opts: PrepareOptions = {},
): Promise<Prepared> {
  if (images.size !== vq.config.imageSize)
    throw new Error(
      `${images.name}: images are ${images.size}×${images.size} but the VQ tokenizer takes ${vq.config.imageSize}×${vq.config.imageSize}`,
    );
  const P = vq.grid * vq.grid;
  const table = opts.codes ?? null;
  if (table && table.length !== images.datasetSize * P)
    throw new Error(
      `${images.name}: the code table holds ${table.length / P} images but the dataset has ${images.datasetSize}`,
    );
  const codesOf = (pixels: Float32Array, n: number, idx: number[], what: string) =>
    table ? Promise.resolve(pickCodes(table, idx, P)) : encodeDevice(vq, pixels, n, images.size, what, opts.progress);
  const split = async (
    pixels: Float32Array,
    n: number,
    idx: number[],
    text: string[],
    what: string,
    concepts?: number[],
  ): Promise<Split> => ({
    codes: await codesOf(pixels, n, idx, what),
    captions: text.map((t) => tokenizer.encode(t)),
    text,
    count: n,
    ...(concepts ? { concepts } : {}),
  });
  const dec = new TextDecoder();
  const texts = new Map(
    await Promise.all(ENGLISH_TEXTS.map(async (s) => [s.id, dec.decode(await readData(s.file))] as const)),
  );
  const heldoutTokens = cfg.englishTokens > 0 ? cfg.englishTokens : Infinity;
  let pretraining: Int32Array | null = null;
  const data: ExperimentData = {
    plan: planVocab(lm.config.vocabSize, tokenizer.special, vq.config.codebookSize),
    imageTokens: P,
    train: await split(
      images.train,
      images.trainCount,
      images.indices.train,
      images.trainCaptions,
      'training images turned into tokens',
      images.concepts?.train,
    ),
    val: await split(
      images.val,
      images.valCount,
      images.indices.val,
      images.valCaptions,
      'held-out images turned into tokens',
      images.concepts?.val,
    ),
    english: {
      // The pre-training books (~1M tokens, seconds of BPE): only the mix arm and the final analysis read them.
      get train(): Int32Array {
        pretraining ??= concat(
          AUSTEN_BOOKS.filter((b) => b.role === 'train').map((b) => tokenStream(tokenizer, texts.get(b.id)!)),
        );
        return pretraining;
      },
      heldout: Array.from(tokenStream(tokenizer, texts.get('persuasion')!, heldoutTokens)),
      ood: Array.from(tokenStream(tokenizer, texts.get('moby-dick')!, heldoutTokens)),
    },
  };
  const meanCaption =
    data.train.captions.reduce((s, c) => s + Math.min(c.length, cfg.captionBudget), 0) / data.train.count;
  const alignedRows: AlignedRows = { pretrained: [], scratch: [] };
  if (cfg.rowInit === 'aligned') {
    const d = lm.config.nEmbd;
    const lmText = (await lm.params.get('transformer.wte.weight')!.data()) as Float32Array;
    for (const seed of opts.alignSeeds ?? seedsOf(cfg)) {
      for (const init of ['pretrained', 'scratch'] as const) {
        if (!cfg.arms.some((a) => a.includes(init === 'scratch' ? 'scratch' : 'pretrained'))) continue;
        const table = init === 'pretrained' ? lmText : scratchTextRows(lm.config, data.plan, seed);
        const specials = newRows(table, data.plan.textVocab, d, data.plan.appendedSpecials.length, 'random', seed);
        const { rows, loss } = await alignImageRows(
          table,
          d,
          data.train.captions,
          data.train.codes,
          data.imageTokens,
          data.plan.imageCodes,
          { ...DEFAULT_ALIGN, seed },
        );
        log(`aligned image rows for the ${init} arms, seed ${seed} (contrastive loss ${loss.toFixed(3)})`);
        const all = new Float32Array(specials.length + rows.length);
        all.set(specials);
        all.set(rows, specials.length);
        alignedRows[init][seed] = all; // by seed number: a run of seeds K … (--first-seed) reads its own
      }
    }
  }
  return { data, meanCaption, alignedRows };
}

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The pre-training text (the Austen training novels), for the analysis of caption simplicity. */
export async function pretrainingCorpus(readData: DataReader): Promise<string> {
  const dec = new TextDecoder();
  return (
    await Promise.all(
      AUSTEN_BOOKS.filter((b) => b.role === 'train').map(async (b) => dec.decode(await readData(b.file))),
    )
  ).join('\n');
}
