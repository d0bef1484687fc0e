// The bigram baseline: hand-computed probabilities, normalisation over the vocabulary, and held-out NLL.
import { describe, expect, it } from 'vitest';
import { BigramLM } from '../../src/core/experiment/bigram';

describe('BigramLM', () => {
  it('matches hand-computed interpolated absolute discounting', () => {
    // Vocabulary {0,1,2}; text 0 1 0 1 0 2. Unigram (add-one): counts 3+1, 2+1, 1+1 over 9 → 4/9, 3/9, 2/9.
    const lm = new BigramLM(3, [0, 1, 0, 1, 0, 2], 0.5);
    // Context 0 is followed by 1 twice and 2 once: c(0) = 3, two distinct followers.
    expect(lm.prob(0, 1)).toBeCloseTo((2 - 0.5) / 3 + ((0.5 * 2) / 3) * (3 / 9), 12);
    expect(lm.prob(0, 0)).toBeCloseTo(((0.5 * 2) / 3) * (4 / 9), 12);
    expect(lm.prob(2, 1)).toBeCloseTo(3 / 9, 12); // context 2 never seen: the unigram
  });
  it('sums to one over the vocabulary for every context', () => {
    const text = Array.from({ length: 500 }, (_, i) => (i * 7 + (i % 3)) % 11);
    const lm = new BigramLM(11, text);
    for (let v = 0; v < 11; v++) {
      let s = 0;
      for (let w = 0; w < 11; w++) s += lm.prob(v, w);
      expect(s).toBeCloseTo(1, 10);
    }
    expect(lm.meanNll(text.slice(0, 50))).toBeLessThan(Math.log(11));
  });
});
