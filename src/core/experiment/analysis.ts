/**
 * Why pre-training might not help (docs/paper.md's two explanations), measured: token statistics of image tokens vs
 * text tokens (unigram entropy, the Zipf curve, bigram conditional entropy), and how simple the captions are next
 * to the pre-training corpus (vocabulary, mean length, type-token ratio, unigram entropy). All entropies in bits.
 */

export interface TokenStats {
  tokens: number;
  types: number;
  /** H(X) of the unigram distribution, bits. */
  unigramEntropy: number;
  /** H(X_t | X_{t−1}) from bigram counts within sequences, bits: how predictable a token is from the previous one. */
  bigramConditionalEntropy: number;
  /** Frequencies sorted descending (the Zipf curve), at most `zipfPoints` entries. */
  zipf: number[];
}

function entropy(counts: Iterable<number>, total: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log2(c / total);
  return h;
}

/** Statistics of a set of token sequences (bigrams never cross sequence boundaries). */
export function tokenStats(sequences: ArrayLike<number>[], zipfPoints = 200): TokenStats {
  const uni = new Map<number, number>();
  const big = new Map<string, number>();
  const ctx = new Map<number, number>();
  let tokens = 0;
  let pairs = 0;
  for (const s of sequences) {
    for (let i = 0; i < s.length; i++) {
      uni.set(s[i], (uni.get(s[i]) ?? 0) + 1);
      tokens++;
      if (i > 0) {
        const k = `${s[i - 1]},${s[i]}`;
        big.set(k, (big.get(k) ?? 0) + 1);
        ctx.set(s[i - 1], (ctx.get(s[i - 1]) ?? 0) + 1);
        pairs++;
      }
    }
  }
  // H(X_t | X_{t−1}) = H(X_{t−1}, X_t) − H(X_{t−1}) over the bigram sample.
  const cond = pairs > 0 ? entropy(big.values(), pairs) - entropy(ctx.values(), pairs) : 0;
  return {
    tokens,
    types: uni.size,
    unigramEntropy: entropy(uni.values(), tokens),
    bigramConditionalEntropy: cond,
    zipf: [...uni.values()].sort((a, b) => b - a).slice(0, zipfPoints),
  };
}

export interface TextSimplicity {
  texts: number;
  /** Distinct lower-cased words. */
  vocabulary: number;
  meanWords: number;
  /** Distinct words ÷ words. */
  typeTokenRatio: number;
  /** Unigram entropy of words, bits. */
  wordEntropy: number;
}

export function textSimplicity(texts: string[]): TextSimplicity {
  const counts = new Map<string, number>();
  let words = 0;
  for (const t of texts)
    for (const w of t.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) {
      counts.set(w, (counts.get(w) ?? 0) + 1);
      words++;
    }
  return {
    texts: texts.length,
    vocabulary: counts.size,
    meanWords: texts.length ? words / texts.length : 0,
    typeTokenRatio: words ? counts.size / words : 0,
    wordEntropy: entropy(counts.values(), words),
  };
}
