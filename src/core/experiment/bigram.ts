/**
 * A smoothed bigram language model — the baseline a "pre-trained" LM must clearly beat. Interpolated absolute
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
