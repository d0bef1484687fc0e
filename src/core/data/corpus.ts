/**
 * Ordinary English for pre-training and for measuring forgetting: the six Austen novels (five to train, Persuasion
 * held out) and Moby-Dick (held out, out of domain), as files under public/data; plus token streams over them and a
 * seeded sampler of training windows.
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
