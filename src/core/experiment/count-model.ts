/**
 * A count model of the image codes, the reference line of the report's image-loss charts (issue 20, items 3 and 7):
 * how far a transformer is from what counting the training codes already gives. Each code x at grid position p is
 * predicted from p and its left and upper neighbours' codes (l, u; an edge has the sentinel K), with one back-off,
 * interpolated absolute discounting (Ney, Essen & Kneser 1994, the form of bigram.ts's BigramLM):
 *   P(x | p, l, u) = max(n(p,l,u,x) − D, 0)/n(p,l,u) + D·N₁₊(p,l,u,•)/n(p,l,u) · P(x | p),
 *   P(x | p)       = (n(p,x) + 1)/(n(p) + K)   (add-one over the K codes, so every code has mass),
 * an unseen (p, l, u) falling back to P(x | p). Counted on the training images' codes, scored as the mean NLL per
 * image token (nats) on the evaluation images — the unit of val/image_loss. Probabilities in float64.
 */

export interface CountModelOptions {
  /** D in (0, 1); 0.75 by default (Ney et al.'s usual value). */
  discount?: number;
}

export class CountModel {
  readonly discount: number;
  private readonly ctx = new Map<number, { n: number; types: number }>();
  private readonly full = new Map<number, number>();
  private readonly pos: Float64Array;
  private readonly posTotal: Float64Array;
  private readonly P: number;

  /**
   * @param grid g: images are g×g codes, row-major
   * @param codebook K: codes are in [0, K)
   * @param codes the training images' codes, [n × g²]
   * @throws on a code outside [0, K), a length that is not a whole number of images, or D outside (0, 1)
   */
  constructor(
    readonly grid: number,
    readonly codebook: number,
    codes: ArrayLike<number>,
    opts: CountModelOptions = {},
  ) {
    this.discount = opts.discount ?? 0.75;
    if (!(this.discount > 0 && this.discount < 1))
      throw new Error(`CountModel: discount must be in (0, 1), got ${this.discount}`);
    const P = (this.P = grid * grid);
    if (codes.length % P !== 0)
      throw new Error(`CountModel: ${codes.length} codes is not a whole number of ${grid}×${grid} images`);
    this.pos = new Float64Array(P * codebook);
    this.posTotal = new Float64Array(P);
    for (let i = 0; i < codes.length; i++) {
      const x = codes[i];
      if (!Number.isInteger(x) || x < 0 || x >= codebook)
        throw new Error(`CountModel: code ${x} at ${i} is outside [0, ${codebook})`);
    }
    for (let start = 0; start < codes.length; start += P)
      for (let p = 0; p < P; p++) {
        const x = codes[start + p];
        const c = this.context(codes, start, p);
        const k = c * codebook + x;
        const seen = this.full.get(k) ?? 0;
        this.full.set(k, seen + 1);
        const e = this.ctx.get(c) ?? { n: 0, types: 0 };
        e.n += 1;
        if (seen === 0) e.types += 1;
        this.ctx.set(c, e);
        this.pos[p * codebook + x] += 1;
        this.posTotal[p] += 1;
      }
  }

  /** The context key of position p of the image starting at `start`: (p, left, up), edges as K. */
  private context(codes: ArrayLike<number>, start: number, p: number): number {
    const g = this.grid;
    const K = this.codebook;
    const [r, c] = [Math.floor(p / g), p % g];
    const left = c > 0 ? codes[start + p - 1] : K;
    const up = r > 0 ? codes[start + p - g] : K;
    return (p * (K + 1) + left) * (K + 1) + up;
  }

  /** P(x | p): the back-off distribution. */
  backoff(p: number, x: number): number {
    return (this.pos[p * this.codebook + x] + 1) / (this.posTotal[p] + this.codebook);
  }

  /** P(code at p | p, its left and upper neighbours) for position p of the image starting at `start` in `codes`. */
  prob(codes: ArrayLike<number>, start: number, p: number): number {
    const x = codes[start + p];
    const c = this.context(codes, start, p);
    const e = this.ctx.get(c);
    if (!e) return this.backoff(p, x);
    const n = this.full.get(c * this.codebook + x) ?? 0;
    return Math.max(n - this.discount, 0) / e.n + ((this.discount * e.types) / e.n) * this.backoff(p, x);
  }

  /** Mean NLL per image token (nats) over every position of the images in `codes` ([n × g²]). Throws on no image. */
  meanNll(codes: ArrayLike<number>): number {
    if (codes.length === 0 || codes.length % this.P !== 0)
      throw new Error(`CountModel.meanNll: ${codes.length} codes is not one or more ${this.grid}×${this.grid} images`);
    let s = 0;
    for (let start = 0; start < codes.length; start += this.P)
      for (let p = 0; p < this.P; p++) s -= Math.log(this.prob(codes, start, p));
    return s / codes.length;
  }
}

/** The report's reference: the count model counted on `train` and scored on `evaluated` (both [n × g²] codes). */
export function countModelReference(
  grid: number,
  codebook: number,
  train: ArrayLike<number>,
  evaluated: ArrayLike<number>,
): { nats: number; trainImages: number; evalImages: number; discount: number } {
  const m = new CountModel(grid, codebook, train);
  return {
    nats: m.meanNll(evaluated),
    trainImages: train.length / (grid * grid),
    evalImages: evaluated.length / (grid * grid),
    discount: m.discount,
  };
}
