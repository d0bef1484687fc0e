/**
 * Training a byte-level BPE: count GPT-2 pre-tokens, then repeatedly merge the most frequent adjacent pair
 * (ties broken by the smaller pair of ids, so training is deterministic). Pair counts are updated incrementally,
 * touching only the words that contain the merged pair.
 */
import { BPETokenizer, BYTE_TO_CHAR, GPT2_SPLIT, SPECIAL_TOKENS, toByteChars } from './bpe';

export interface TrainBPEOptions {
  /** Total ids including the 256 bytes and the special tokens (512–8,192). */
  vocabSize: number;
  /** Special tokens appended after the merges. */
  specialTokens?: readonly string[];
  /** Pre-tokens seen fewer times than this are ignored (speeds training on large corpora). */
  minFrequency?: number;
  /** Called every 100 merges with (merges done, merges planned). */
  onProgress?: (done: number, total: number) => void;
}

export function trainBPE(corpus: string | string[], opts: TrainBPEOptions): BPETokenizer {
  const specials = opts.specialTokens ?? SPECIAL_TOKENS;
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < 256 + specials.length + 1 || opts.vocabSize > 65_536)
    throw new Error(
      `trainBPE: vocabSize must be an integer in [${256 + specials.length + 1}, 65536], got ${opts.vocabSize}`,
    );
  const nMerges = opts.vocabSize - 256 - specials.length;

  // Count pre-tokens, each as a list of byte ids.
  const counts = new Map<string, number>();
  for (const text of Array.isArray(corpus) ? corpus : [corpus])
    for (const m of text.matchAll(GPT2_SPLIT)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  const minFreq = opts.minFrequency ?? 1;
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [piece, n] of counts) {
    if (n < minFreq) continue;
    words.push([...new TextEncoder().encode(piece)]);
    freq.push(n);
  }

  const tokens: string[] = [...BYTE_TO_CHAR]; // id → token text in byte characters
  const key = (a: number, b: number) => a * 65536 + b;
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: number) => {
    const s = words[w];
    for (let i = 0; i < s.length - 1; i++) {
      const k = key(s[i], s[i + 1]);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * freq[w]);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  const merges: [string, string][] = [];
  for (let m = 0; m < nMerges; m++) {
    let best = -1;
    let bestCount = 0;
    for (const [k, c] of pairCount)
      if (c > bestCount || (c === bestCount && c > 0 && k < best)) [best, bestCount] = [k, c];
    if (best < 0 || bestCount <= 0) break; // corpus exhausted: every pre-token is a single token
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    const id = tokens.length;
    tokens.push(tokens[a] + tokens[b]);
    merges.push([tokens[a], tokens[b]]);
    for (const w of pairWords.get(best) ?? []) {
      addPairs(w, -1);
      const s = words[w];
      const next: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i < s.length - 1 && s[i] === a && s[i + 1] === b) {
          next.push(id);
          i++;
        } else next.push(s[i]);
      }
      words[w] = next;
      addPairs(w, 1);
    }
    pairCount.delete(best);
    pairWords.delete(best);
    if (opts.onProgress && (m + 1) % 100 === 0) opts.onProgress(m + 1, nMerges);
  }
  for (const [k, c] of pairCount) if (c <= 0) pairCount.delete(k);

  const vocab = new Map<string, number>();
  tokens.forEach((t, i) => vocab.set(t, i));
  const special = new Map<string, number>();
  specials.forEach((s, i) => special.set(s, tokens.length + i));
  return new BPETokenizer(vocab, merges, special);
}

export { toByteChars };
