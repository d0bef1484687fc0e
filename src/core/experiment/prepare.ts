/**
 * Everything the experiment needs before its first step, shared by `npm run replicate` and the playground's worker:
 * the images as train/validation pixel splits (shipped emoji or bring-your-own), their VQ codes, captions as text
 * ids, the English token streams, and (rowInit 'aligned') the contrastively aligned new rows per seed and init.
 */
import { captionOf, splitIndices } from '../data/captions';
import { AUSTEN_BOOKS, ENGLISH_TEXTS, tokenStream } from '../data/corpus';
import type { ByodDataset } from '../data/byod';
import type { DataReader, EmojiDataset } from '../data/emoji';
import { compositeOnWhite, DeviceImages } from '../data/images';
import type { GPT } from '../nn/gpt';
import { Rng } from '../nn/init';
import type { VQVAE } from '../nn/vqvae';
import type { TextTokenizer } from '../tokenize/hf';
import { alignImageRows, DEFAULT_ALIGN } from './alignment';
import type { ExperimentConfig } from './config';
import { encodeImages, type ExperimentData, type Split } from './data';
import { newRows, planVocab, scratchTextRows } from './extend';

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
}

/** The shipped emoji at the config's caption level: train images evenly thinned to cfg.trainImages, validation capped at cfg.evalImages. */
export function emojiSplits(ds: EmojiDataset, cfg: Pick<ExperimentConfig, 'trainImages' | 'evalImages' | 'captionLevel'>): ImageSplits {
  const items = ds.captions.items;
  let tr = splitIndices(items, 'train');
  if (cfg.trainImages > 0 && cfg.trainImages < tr.length) tr = tr.filter((_, k) => k % Math.ceil(tr.length / cfg.trainImages) === 0);
  const va = splitIndices(items, 'val').slice(0, cfg.evalImages > 0 ? cfg.evalImages : undefined);
  const category = (i: number) => captionOf(items[i], 'L0').split(',')[0];
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
  };
}

/** Bring-your-own images split 90/10 by image with a fixed seed (indices into ds.images). Under 10 images validate on the training images. */
export function byodSplitImages(ds: ByodDataset, seed = 1): { train: number[]; val: number[] } {
  const order = new Rng(seed).shuffle([...ds.images.keys()]);
  const nVal = ds.images.length >= 10 ? Math.max(1, Math.round(0.1 * ds.images.length)) : 0;
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
  return { name: ds.name, size, train: pick(train), trainCount: train.length, val: pick(val), valCount: val.length, trainCaptions: train.map(([, c]) => c), valCaptions: val.map(([, c]) => c), categories: null };
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
 * Encode the images with the VQ tokenizer, the captions and English texts with the LM's tokenizer. `progress(what,
 * done, total)` counts the images turned into codes (it may throw to cancel: nothing is left allocated).
 */
export async function prepareExperiment(cfg: ExperimentConfig, images: ImageSplits, lm: GPT, tokenizer: TextTokenizer, vq: VQVAE, readData: DataReader, log: (s: string) => void = () => {}, progress: (what: string, done: number, total: number) => void = () => {}): Promise<Prepared> {
  if (images.size !== vq.config.imageSize) throw new Error(`${images.name}: images are ${images.size}×${images.size} but the VQ tokenizer takes ${vq.config.imageSize}×${vq.config.imageSize}`);
  const encode = async (pixels: Float32Array, n: number, what: string) => {
    const imgs = new DeviceImages(pixels, n, images.size);
    try {
      progress(what, 0, n);
      return await encodeImages(vq, imgs, 256, (done, total) => progress(what, done, total));
    } finally {
      imgs.dispose();
    }
  };
  const split = async (pixels: Float32Array, n: number, text: string[], what: string): Promise<Split> => ({ codes: await encode(pixels, n, what), captions: text.map((t) => tokenizer.encode(t)), text, count: n });
  const dec = new TextDecoder();
  const english = new Map(await Promise.all(ENGLISH_TEXTS.map(async (s) => [s.id, tokenStream(tokenizer, dec.decode(await readData(s.file)))] as const)));
  const data: ExperimentData = {
    plan: planVocab(lm.config.vocabSize, tokenizer.special, vq.config.codebookSize),
    imageTokens: vq.grid * vq.grid,
    train: await split(images.train, images.trainCount, images.trainCaptions, 'training images turned into tokens'),
    val: await split(images.val, images.valCount, images.valCaptions, 'held-out images turned into tokens'),
    english: {
      train: Int32Array.from(AUSTEN_BOOKS.filter((b) => b.role === 'train').flatMap((b) => Array.from(english.get(b.id)!))),
      heldout: Array.from(english.get('persuasion')!),
      ood: Array.from(english.get('moby-dick')!),
    },
  };
  const meanCaption = data.train.captions.reduce((s, c) => s + Math.min(c.length, cfg.captionBudget), 0) / data.train.count;
  const alignedRows: AlignedRows = { pretrained: [], scratch: [] };
  if (cfg.rowInit === 'aligned') {
    const d = lm.config.nEmbd;
    const lmText = (await lm.params.get('transformer.wte.weight')!.data()) as Float32Array;
    for (let seed = 0; seed < cfg.seeds; seed++) {
      for (const init of ['pretrained', 'scratch'] as const) {
        if (!cfg.arms.some((a) => a.includes(init === 'scratch' ? 'scratch' : 'pretrained'))) continue;
        const table = init === 'pretrained' ? lmText : scratchTextRows(lm.config, data.plan, seed);
        const specials = newRows(table, data.plan.textVocab, d, data.plan.appendedSpecials.length, 'random', seed);
        const { rows, loss } = await alignImageRows(table, d, data.train.captions, data.train.codes, data.imageTokens, data.plan.imageCodes, { ...DEFAULT_ALIGN, seed });
        log(`aligned image rows for the ${init} arms, seed ${seed} (contrastive loss ${loss.toFixed(3)})`);
        const all = new Float32Array(specials.length + rows.length);
        all.set(specials);
        all.set(rows, specials.length);
        alignedRows[init].push(all);
      }
    }
  }
  return { data, meanCaption, alignedRows };
}

/** The pre-training text (the Austen training novels), for the analysis of caption simplicity. */
export async function pretrainingCorpus(readData: DataReader): Promise<string> {
  const dec = new TextDecoder();
  return (await Promise.all(AUSTEN_BOOKS.filter((b) => b.role === 'train').map(async (b) => dec.decode(await readData(b.file))))).join('\n');
}
