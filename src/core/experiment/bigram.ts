/**
 * Bigram baselines a "pre-trained" LM must clearly beat: BigramLM (absolute discounting) and KneserNeyBigram below.
 *
 * BigramLM: interpolated absolute
 * discounting (Ney, Essen & Kneser 1994): P(w|v) = max(c(v,w) − d, 0)/c(v) + d·N₁₊(v·)/c(v) · P_uni(w), with an
 * add-one unigram so every id has mass; unseen contexts fall back to the unigram.
 */
export class BigramLM {
  private readonly uni: Float64Array;
  private readonly pair = new Map<number, number>();
  private readonly ctx: Float64Array;
  private readonly types: Float64Array;

  constructor(
    readonly vocabSize: number,
    train: ArrayLike<number>,
    readonly discount = 0.75,
  ) {
    const V = vocabSize;
    this.uni = new Float64Array(V).fill(1);
    this.ctx = new Float64Array(V);
    this.types = new Float64Array(V);
    for (let i = 0; i < train.length; i++) this.uni[train[i]]++;
    const total = this.uni.reduce((a, b) => a + b, 0);
    for (let w = 0; w < V; w++) this.uni[w] /= total;
    for (let i = 0; i + 1 < train.length; i++) {
      const k = train[i] * V + train[i + 1];
      const c = this.pair.get(k) ?? 0;
      if (c === 0) this.types[train[i]]++;
      this.pair.set(k, c + 1);
      this.ctx[train[i]]++;
    }
  }

  prob(prev: number, next: number): number {
    const c = this.ctx[prev];
    if (c === 0) return this.uni[next];
    const cvw = this.pair.get(prev * this.vocabSize + next) ?? 0;
    return Math.max(cvw - this.discount, 0) / c + ((this.discount * this.types[prev]) / c) * this.uni[next];
  }

  /** Mean NLL (nats) over the next-token predictions of `ids`. */
  meanNll(ids: ArrayLike<number>): number {
    let s = 0;
    for (let i = 0; i + 1 < ids.length; i++) s -= Math.log(this.prob(ids[i], ids[i + 1]));
    return s / (ids.length - 1);
  }
}

/**
 * Interpolated Kneser-Ney bigram (Kneser & Ney 1995; the interpolated form of Chen & Goodman 1998, eq. 18/19):
 *   P(w|v) = max(c(v,w) − D, 0)/c(v) + D·N₁₊(v•)/c(v) · P_cont(w),
 *   P_cont(w) = max(N₁₊(•w) − D, 0)/N₁₊(••) + D·|{w: N₁₊(•w) > 0}|/N₁₊(••) · 1/V,
 * where N₁₊(•w) counts the distinct left neighbours of w and N₁₊(••) the distinct bigram types; the continuation
 * distribution is itself interpolated with the uniform over the V ids so unseen ids keep mass. An unseen context
 * falls back to P_cont. D defaults to Ney's estimate n₁/(n₁ + 2n₂) from the bigram counts of counts (n_k bigram
 * types seen exactly k times); pass a number (e.g. 0.75) to fix it. Probabilities in float64; every conditional
 * sums to 1 over the V ids.
 */
export class KneserNeyBigram {
  readonly discount: number;
  private readonly pair = new Map<number, number>();
  private readonly ctx: Float64Array;
  private readonly followers: Float64Array;
  private readonly cont: Float64Array;

  /**
   * @param vocabSize V, every id in [0, V)
   * @param train the training token stream (bigrams are its adjacent pairs)
   * @param discount D in (0, 1), or 'estimate' for n₁/(n₁ + 2n₂)
   * @throws on an id outside [0, V), a stream with no bigram, or a D outside (0, 1)
   */
  constructor(
    readonly vocabSize: number,
    train: ArrayLike<number>,
    discount: number | 'estimate' = 'estimate',
  ) {
    const V = vocabSize;
    if (train.length < 2)
      throw new Error(`KneserNeyBigram: the training stream has ${train.length} ids; it needs at least one bigram`);
    this.ctx = new Float64Array(V);
    this.followers = new Float64Array(V);
    const left = new Float64Array(V);
    for (let i = 0; i + 1 < train.length; i++) {
      const [v, w] = [train[i], train[i + 1]];
      for (const j of [i, i + 1])
        if (!Number.isInteger(train[j]) || train[j] < 0 || train[j] >= V)
          throw new Error(`KneserNeyBigram: id ${train[j]} at position ${j} is outside [0, ${V})`);
      const k = v * V + w;
      const c = this.pair.get(k) ?? 0;
      if (c === 0) {
        this.followers[v]++;
        left[w]++;
      }
      this.pair.set(k, c + 1);
      this.ctx[v]++;
    }
    if (discount === 'estimate') {
      let n1 = 0;
      let n2 = 0;
      for (const c of this.pair.values())
        if (c === 1) n1++;
        else if (c === 2) n2++;
      discount = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.75;
    }
    if (!(discount > 0 && discount < 1))
      throw new Error(`KneserNeyBigram: discount must be in (0, 1), got ${discount}`);
    this.discount = discount;
    const types = this.pair.size;
    let seen = 0;
    for (let w = 0; w < V; w++) if (left[w] > 0) seen++;
    this.cont = new Float64Array(V);
    for (let w = 0; w < V; w++) this.cont[w] = Math.max(left[w] - discount, 0) / types + (discount * seen) / types / V;
  }

  /** P_cont(w): the lower-order (continuation) probability of id w. */
  continuation(w: number): number {
    return this.cont[w];
  }

  /** P(next | prev). */
  prob(prev: number, next: number): number {
    const c = this.ctx[prev];
    if (c === 0) return this.cont[next];
    const cvw = this.pair.get(prev * this.vocabSize + next) ?? 0;
    return Math.max(cvw - this.discount, 0) / c + ((this.discount * this.followers[prev]) / c) * this.cont[next];
  }

  /** Mean NLL (nats) over the next-token predictions of `ids` (ids.length − 1 of them). */
  meanNll(ids: ArrayLike<number>): number {
    if (ids.length < 2) throw new Error(`KneserNeyBigram.meanNll: ${ids.length} ids make no prediction`);
    let s = 0;
    for (let i = 0; i + 1 < ids.length; i++) s -= Math.log(this.prob(ids[i], ids[i + 1]));
    return s / (ids.length - 1);
  }
}
