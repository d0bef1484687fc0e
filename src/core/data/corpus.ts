/**
 * Ordinary English for pre-training and for measuring forgetting: the six Austen novels (five to train, Persuasion
 * held out) and Moby-Dick (held out, out of domain), as files under public/data; the broader pre-training English of
 * public/models/lm-english (the King James Bible, the State of the Union addresses 1790–1889, WordNet glosses); plus
 * token streams over them and a seeded sampler of training windows.
 */
import { Rng } from '../nn/init';

export interface TextSource {
  id: string;
  title: string;
  /** Path under public/data. */
  file: string;
  role: 'train' | 'heldout' | 'ood';
}

export const AUSTEN_BOOKS: TextSource[] = [
  { id: 'sense-and-sensibility', title: 'Sense and Sensibility', role: 'train' },
  { id: 'pride-and-prejudice', title: 'Pride and Prejudice', role: 'train' },
  { id: 'mansfield-park', title: 'Mansfield Park', role: 'train' },
  { id: 'emma', title: 'Emma', role: 'train' },
  { id: 'northanger-abbey', title: 'Northanger Abbey', role: 'train' },
  { id: 'persuasion', title: 'Persuasion', role: 'heldout' },
].map((b) => ({ ...b, file: `text/austen/${b.id}.txt` }) as TextSource);

export const MOBY_DICK: TextSource = { id: 'moby-dick', title: 'Moby-Dick', file: 'text/moby-dick.txt', role: 'ood' };

export const ENGLISH_TEXTS: TextSource[] = [...AUSTEN_BOOKS, MOBY_DICK];

/** First and last year of the State of the Union addresses kept (the 19th century's, within the size budget). */
export const SOTU_YEARS = [1790, 1889] as const;

/** Pre-training English beyond Austen (public/data/PROVENANCE.md gives each one's source and licence). */
export const BROAD_ENGLISH: TextSource[] = [
  { id: 'kjv', title: 'King James Bible', file: 'text/kjv.txt', role: 'train' },
  { id: 'sotu', title: `State of the Union addresses ${SOTU_YEARS[0]}–${SOTU_YEARS[1]}`, file: `text/sotu-${SOTU_YEARS[0]}-${SOTU_YEARS[1]}.txt`, role: 'train' },
  { id: 'wordnet-glosses', title: 'WordNet 3.0 glosses (every 16th synset)', file: 'text/wordnet-glosses.txt', role: 'train' },
];

/** What public/models/lm-english is pre-trained on: the five Austen training novels and BROAD_ENGLISH. */
export const PRETRAIN_CORPUS: TextSource[] = [...AUSTEN_BOOKS.filter((b) => b.role === 'train'), ...BROAD_ENGLISH];

/** Anything with an encode method (our BPE, or GPT-2's). */
export interface Encoder {
  encode(text: string): number[];
}

/**
 * A text as one token stream. Paragraphs are encoded separately (faster; no merge crosses a blank line), so with
 * `maxTokens` only the paragraphs that reach it are encoded, and the result is exactly the first `maxTokens` ids of
 * the whole text's stream.
 */
export function tokenStream(encoder: Encoder, text: string, maxTokens = Infinity): Int32Array {
  const ids: number[] = [];
  for (const para of text.split(/(\n\s*\n)/)) {
    if (ids.length >= maxTokens) break;
    if (para) for (const id of encoder.encode(para)) ids.push(id);
  }
  return Int32Array.from(ids.length > maxTokens ? ids.slice(0, maxTokens) : ids);
}

/**
 * Seeded windows of length T from a token stream: each epoch visits the stream in a shuffled order of
 * non-overlapping windows with a random phase, so the order is fixed by (seed, epoch) alone.
 */
export class WindowSampler {
  private readonly rng: Rng;
  private order: number[] = [];
  private cursor = 0;
  epoch = 0;

  constructor(
    readonly stream: Int32Array,
    readonly T: number,
    seed: number,
  ) {
    if (stream.length < T + 1) throw new Error(`WindowSampler: a stream of ${stream.length} tokens is too short for windows of ${T}`);
    this.rng = new Rng(seed);
    this.refill();
  }

  private refill(): void {
    const phase = this.rng.int(this.T);
    const starts: number[] = [];
    for (let s = phase; s + this.T <= this.stream.length; s += this.T) starts.push(s);
    this.order = this.rng.shuffle(starts);
    this.cursor = 0;
  }

  /** The next `batch` windows, each T ids. */
  next(batch: number): number[][] {
    const out: number[][] = [];
    while (out.length < batch) {
      if (this.cursor >= this.order.length) {
        this.epoch++;
        this.refill();
      }
      const s = this.order[this.cursor++];
      out.push(Array.from(this.stream.subarray(s, s + this.T)));
    }
    return out;
  }
}

/** Deterministic batches of item indices: a fresh seeded permutation per epoch, cut into batches. */
export function* batchOrder(indices: number[], batchSize: number, seed: number): Generator<number[]> {
  if (indices.length === 0) throw new Error('batchOrder: no items');
  const rng = new Rng(seed);
  for (;;) {
    const perm = rng.shuffle([...indices]);
    for (let i = 0; i + batchSize <= perm.length; i += batchSize) yield perm.slice(i, i + batchSize);
    if (perm.length < batchSize) yield perm; // tiny datasets: one short batch per epoch
  }
}
