// Token statistics and caption simplicity against hand-computed values.
import { describe, expect, it } from 'vitest';
import { textSimplicity, tokenStats } from '../../src/core/experiment/analysis';

describe('token statistics', () => {
  it('computes unigram and conditional entropy by hand', () => {
    // Uniform over 4 ids, each id determined by the previous one (a cycle): H = 2 bits, H(next | prev) = 0.
    const cyc = tokenStats([[0, 1, 2, 3, 0, 1, 2, 3]]);
    expect(cyc.unigramEntropy).toBeCloseTo(2, 12);
    expect(cyc.bigramConditionalEntropy).toBeCloseTo(0, 12);
    expect(cyc.zipf).toEqual([2, 2, 2, 2]);
    // Two ids, always alternating except for one repeat: counts a=3, b=2.
    const s = tokenStats([[0, 1, 0, 1, 0]]);
    expect(s.unigramEntropy).toBeCloseTo(-(0.6 * Math.log2(0.6) + 0.4 * Math.log2(0.4)), 12);
    expect(s.types).toBe(2);
    // Bigrams never cross sequences: [0] [1] has no pairs.
    expect(tokenStats([[0], [1]]).bigramConditionalEntropy).toBe(0);
  });
});

describe('text simplicity', () => {
  it('counts vocabulary, length, type-token ratio and word entropy', () => {
    const t = textSimplicity(['a red apple', 'a green apple']);
    expect(t).toMatchObject({ texts: 2, vocabulary: 4, meanWords: 3, typeTokenRatio: 4 / 6 });
    // word counts a:2 apple:2 red:1 green:1 over 6
    expect(t.wordEntropy).toBeCloseTo(-(2 * (2 / 6) * Math.log2(2 / 6) + 2 * (1 / 6) * Math.log2(1 / 6)), 12);
  });
});
