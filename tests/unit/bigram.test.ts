// The bigram baselines (absolute discounting, interpolated Kneser-Ney): hand-computed probabilities, normalisation
// over the vocabulary, and held-out NLL.
import { describe, expect, it } from 'vitest';
import { BigramLM, KneserNeyBigram } from '../../src/core/experiment/bigram';

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

describe('KneserNeyBigram', () => {
  // Vocabulary {0..4} (4 never seen); text 0 1 0 1 2 1 0 3. Bigram counts: (0,1)=2 (1,0)=2 (1,2)=1 (2,1)=1 (0,3)=1,
  // so 5 types; contexts c(0)=3, c(1)=3, c(2)=1; followers N1+(0•)=2, N1+(1•)=2, N1+(2•)=1; left neighbours
  // N1+(•0)=1, N1+(•1)=2, N1+(•2)=1, N1+(•3)=1, N1+(•4)=0, so 4 ids have one.
  const text = [0, 1, 0, 1, 2, 1, 0, 3];
  it('matches hand-computed interpolated Kneser-Ney probabilities (D = 0.5)', () => {
    const lm = new KneserNeyBigram(5, text, 0.5);
    // P_cont(w) = max(N1+(•w) − ½, 0)/5 + ½·4/5·⅕: 0.1 + 0.08 for one left neighbour, 0.3 + 0.08 for two, 0.08 for none.
    expect([0, 1, 2, 3, 4].map((w) => lm.continuation(w))).toEqual(
      [0.18, 0.38, 0.18, 0.18, 0.08].map((p) => expect.closeTo(p, 12)),
    );
    expect(lm.prob(0, 1)).toBeCloseTo((2 - 0.5) / 3 + ((0.5 * 2) / 3) * 0.38, 12); // 0.62667
    expect(lm.prob(0, 3)).toBeCloseTo(0.5 / 3 + ((0.5 * 2) / 3) * 0.18, 12); // 0.22667
    expect(lm.prob(0, 4)).toBeCloseTo(((0.5 * 2) / 3) * 0.08, 12); // never seen anywhere: only the uniform's share
    expect(lm.prob(2, 1)).toBeCloseTo(0.5 / 1 + 0.5 * 0.38, 12);
    expect(lm.prob(3, 2)).toBeCloseTo(0.18, 12); // context 3 never precedes anything: the continuation probability
    expect(lm.meanNll([0, 1, 0])).toBeCloseTo(-(Math.log(lm.prob(0, 1)) + Math.log(lm.prob(1, 0))) / 2, 12);
  });
  it('estimates D = n1/(n1 + 2 n2) from the counts of counts', () => {
    // Three bigram types seen once, two seen twice: 3 / (3 + 4).
    expect(new KneserNeyBigram(5, text).discount).toBeCloseTo(3 / 7, 12);
  });
  it('sums to one over the vocabulary for every context, seen or not', () => {
    const long = Array.from({ length: 800 }, (_, i) => (i * 7 + ((i * i) % 5)) % 13);
    for (const d of [0.75, 'estimate'] as const) {
      const lm = new KneserNeyBigram(17, long, d); // ids 13–16 never occur
      for (let v = 0; v < 17; v++) {
        let s = 0;
        for (let w = 0; w < 17; w++) s += lm.prob(v, w);
        expect(s).toBeCloseTo(1, 12);
      }
      expect(lm.meanNll(long.slice(0, 100))).toBeLessThan(Math.log(17));
    }
  });
  it('refuses ids outside the vocabulary, a stream without a bigram, and a discount outside (0, 1)', () => {
    expect(() => new KneserNeyBigram(3, [0, 3])).toThrow('id 3 at position 1 is outside [0, 3)');
    expect(() => new KneserNeyBigram(3, [1])).toThrow('needs at least one bigram');
    expect(() => new KneserNeyBigram(3, [0, 1, 2], 1)).toThrow('discount must be in (0, 1), got 1');
  });
});
