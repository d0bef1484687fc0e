/**
 * Power of the verdicts' tests (verdict.ts): what a run with n seeds and an observed paired sd σ could have told
 * apart, and how many seeds an undecided verdict would need. Exact for the one-sample t statistic of normal paired
 * differences, by the noncentral t: with x̄ ~ N(δ, σ²/n) and s = σ·√(V/ν), V ~ χ²_ν, ν = n − 1 independent,
 *   P(one-sided test of H0 μ ≤ θ at level a rejects) = P(x̄ − t_{1−a,ν}·s/√n > θ)
 *     = E_V[Φ(√n(δ − θ)/σ − t_{1−a,ν}·√(V/ν))]        = 1 − F_{ν,λ}(t_{1−a,ν}), λ = √n(δ − θ)/σ,
 * the noncentral-t form of the power of the t-test (Owen 1965, "A special case of a bivariate non-central
 * t-distribution", Biometrika 52; Julious 2004, "Sample sizes for clinical trials with Normal data", Stat. Med. 23,
 * §2), and for TOST (Schuirmann 1987) both bounds at once,
 *   P(x̄ − t·s/√n > −m and x̄ + t·s/√n < m) = E_V[max(0, Φ(√n(m − δ)/σ − t√(V/ν)) − Φ(√n(−m − δ)/σ + t√(V/ν)))]
 * (Owen 1965's bivariate case, as in Phillips 1990, "Power of the two one-sided tests procedure in bioequivalence",
 * J. Pharmacokinet. Biopharm. 18). The expectation over V is a one-dimensional integral, done here by Simpson's rule
 * over w = √V (the χ_ν density, finite at 0 for every ν ≥ 1) on [0, √ν + 12]; unit tests hold it to scipy's
 * noncentral t. The observed σ is itself an estimate from n seeds: the figures are what the run could resolve if the
 * noise is what it showed, not a guarantee.
 */
import erfc from '@stdlib/math-base-special-erfc';
import gammaln from '@stdlib/math-base-special-gammaln';
import { tQuantile } from './stats';

/** Level of the tests and the power the minimal detectable differences are quoted at. */
export const POWER = 0.8;
/** Seeds beyond which seedsToDecide gives up (returns null): a difference that needs more is not decidable here. */
export const MAX_SEEDS = 1000;

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

const INTERVALS = 2000;
const nodesCache = new Map<number, { r: Float64Array; w: Float64Array }>();

/**
 * Simpson nodes r = √(V/ν) and weights (the χ_ν density of w = √V times Simpson's weights) on w ∈ [0, upper]; the
 * full range [0, √ν + 12] is cached per ν.
 */
function chiNodes(df: number, upper?: number): { r: Float64Array; w: Float64Array } {
  const full = Math.sqrt(df) + 12;
  const hit = upper === undefined ? nodesCache.get(df) : undefined;
  if (hit) return hit;
  const top = Math.min(upper ?? full, full);
  const h = top / INTERVALS;
  const logNorm = Math.log(2) - (df / 2) * Math.log(2) - gammaln(df / 2);
  const r = new Float64Array(INTERVALS + 1);
  const w = new Float64Array(INTERVALS + 1);
  for (let i = 0; i <= INTERVALS; i++) {
    const x = i * h;
    // χ_ν density of w = √V: 2·w^{ν−1}·e^{−w²/2} / (2^{ν/2} Γ(ν/2)); at w = 0 it is 0 for ν > 1 and the constant for ν = 1.
    const dens =
      x === 0 ? (df === 1 ? Math.exp(logNorm) : 0) : Math.exp(logNorm + (df - 1) * Math.log(x) - (x * x) / 2);
    const simpson = i === 0 || i === INTERVALS ? 1 : i % 2 ? 4 : 2;
    r[i] = x / Math.sqrt(df);
    w[i] = (dens * simpson * h) / 3;
  }
  const out = { r, w };
  if (upper === undefined) nodesCache.set(df, out);
  return out;
}

/** E[g(√(V/ν)) · 1{√(V/ν) ≤ rMax}] for V ~ χ²_ν (rMax: where g stops being smooth, e.g. TOST's kink). */
function overChi(df: number, g: (r: number) => number, rMax?: number): number {
  if (rMax !== undefined && rMax <= 0) return 0;
  const { r, w } = chiNodes(df, rMax === undefined ? undefined : rMax * Math.sqrt(df));
  let s = 0;
  for (let i = 0; i < r.length; i++) if (w[i] > 0) s += w[i] * g(r[i]);
  return s;
}

function check(sd: number, n: number, alpha: number): void {
  if (!(n >= 2 && Number.isInteger(n))) throw new Error(`power needs an integer number of seeds ≥ 2, got ${n}`);
  if (!(sd > 0 && Number.isFinite(sd))) throw new Error(`power needs a positive finite sd, got ${sd}`);
  if (!(alpha > 0 && alpha < 1)) throw new Error(`power needs a level in (0, 1), got ${alpha}`);
}

/**
 * Power of the one-sided t-test of H0 μ ≤ θ at level `alpha` when the true paired mean is θ + `beyond` (same unit
 * as sd): 1 − F_{ν,λ}(t_{1−α,ν}) with λ = √n·beyond/sd. `beyond` may be negative (power below α).
 */
export function oneSidedPower(beyond: number, sd: number, n: number, alpha: number): number {
  check(sd, n, alpha);
  const df = n - 1;
  const t = tQuantile(1 - alpha, df);
  const lam = (Math.sqrt(n) * beyond) / sd;
  return overChi(df, (r) => normalCdf(lam - t * r));
}

/** Power of the two-sided t-test of μ = 0 at level `alpha` when the true paired mean is `delta`. */
export function twoSidedPower(delta: number, sd: number, n: number, alpha: number): number {
  return oneSidedPower(delta, sd, n, alpha / 2) + oneSidedPower(-delta, sd, n, alpha / 2);
}

/** Power of TOST against ±margin at level `alpha` (the 1 − 2α interval inside (−m, m)) when the true mean is `delta`. */
export function tostPower(delta: number, sd: number, n: number, margin: number, alpha: number): number {
  check(sd, n, alpha);
  const df = n - 1;
  const t = tQuantile(1 - alpha, df);
  const k = Math.sqrt(n) / sd;
  // Both bounds inside (−m, m) only while the interval is narrower than the margin: r < k·m/t; past it the integrand is 0.
  return overChi(
    df,
    (r) => Math.max(0, normalCdf(k * (margin - delta) - t * r) - normalCdf(k * (-margin - delta) + t * r)),
    (k * margin) / t,
  );
}

/** The smallest x ≥ 0 with f(x) ≥ target, for f increasing in x; bisection to 1e-9 relative to the bracket. */
function solveUp(f: (x: number) => number, target: number, scale: number): number {
  let hi = scale;
  while (f(hi) < target) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 60 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

export interface Detectable {
  /** Seeds and the observed paired sd the figures assume. */
  n: number;
  sd: number;
  /** Smallest |δ| the two-sided t-test at level α (0.05) detects with POWER: "could tell from zero". */
  fromZero: number;
  /**
   * Smallest distance beyond a bound (the margin, or ln 2 for C) at which the rule's one-sided test at `boundAlpha`
   * says "beyond it" with POWER; by symmetry also how far inside a one-sided bound the truth must lie.
   */
  fromBound: number;
  /** Level of the one-sided test against the bound (α, or α/5 for A's Bonferroni-corrected minimal-effect tests). */
  boundAlpha: number;
  /**
   * Largest |δ| at which TOST against ±margin at α calls the difference equal with POWER; null when even δ = 0
   * falls short (the run cannot show equivalence at this noise).
   */
  equivalentWithin: number | null;
}

/**
 * What a run of n seeds at the observed paired sd could tell apart (α = `alpha`, power POWER): from zero, from a
 * bound at level `boundAlpha`, and (margin given) the equivalence zone of TOST against ±margin. Throws on n < 2 or sd ≤ 0.
 */
export function detectable(
  sd: number,
  n: number,
  margin: number | null,
  alpha: number,
  boundAlpha: number,
): Detectable {
  const fromZero = solveUp((d) => twoSidedPower(d, sd, n, alpha), POWER, sd);
  const fromBound = solveUp((d) => oneSidedPower(d, sd, n, boundAlpha), POWER, sd);
  let equivalentWithin: number | null = null;
  if (margin !== null && tostPower(0, sd, n, margin, alpha) >= POWER) {
    // TOST power falls as |δ| grows towards the margin: the largest δ still at POWER, by bisection on [0, m].
    let [lo, hi] = [0, margin];
    for (let i = 0; i < 36; i++) {
      const mid = (lo + hi) / 2;
      if (tostPower(mid, sd, n, margin, alpha) >= POWER) lo = mid;
      else hi = mid;
    }
    equivalentWithin = lo;
  }
  return { n, sd, fromZero, fromBound, boundAlpha, equivalentWithin };
}

/**
 * The fewest seeds (≥ 2) at which a rule would decide with power POWER if the truth were the observed `mean` and
 * the noise the observed `sd`: `decides(n)` is that power at n seeds. Power grows with n for every test here, so
 * the answer is found by doubling then bisection; null when MAX_SEEDS do not reach POWER.
 */
export function seedsFor(decides: (n: number) => number): number | null {
  if (decides(2) >= POWER) return 2;
  let hi = 4;
  while (hi < MAX_SEEDS && decides(hi) < POWER) hi *= 2;
  if (hi >= MAX_SEEDS) {
    if (decides(MAX_SEEDS) < POWER) return null;
    hi = MAX_SEEDS;
  }
  let lo = hi / 2 >= 2 ? Math.floor(hi / 2) : 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (decides(mid) >= POWER) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Seeds to decide a paired difference against ±margin (A's rule at one budget, and any TOST/minimal-effect pair):
 * inside the margin, TOST at `alpha`; outside, the one-sided test beyond the margin at `boundAlpha`. null when the
 * observed mean sits on the margin or MAX_SEEDS do not suffice.
 */
export function seedsToDecideMargin(
  mean: number,
  sd: number,
  margin: number,
  alpha: number,
  boundAlpha: number,
): number | null {
  if (Math.abs(mean) < margin) return seedsFor((n) => tostPower(mean, sd, n, margin, alpha));
  const beyond = Math.abs(mean) - margin;
  return beyond > 0 ? seedsFor((n) => oneSidedPower(beyond, sd, n, boundAlpha)) : null;
}

/** Seeds to place the mean on one side of a single bound (B's +m, C's ln 2) with the one-sided test at `alpha`. */
export function seedsToDecideBound(mean: number, sd: number, bound: number, alpha: number): number | null {
  const d = Math.abs(mean - bound);
  return d > 0 ? seedsFor((n) => oneSidedPower(d, sd, n, alpha)) : null;
}

/**
 * The largest paired sd at which TOST against ±margin at `alpha` over n seeds calls a true difference of 0 equal
 * with power POWER (the noise a run must get below to be able to show "no effect"); TOST power falls as sd grows.
 */
export function maxSdForEquivalence(n: number, margin: number, alpha: number): number {
  let [lo, hi] = [0, margin];
  for (let i = 0; i < 36; i++) {
    const mid = (lo + hi) / 2;
    if (mid > 0 && tostPower(0, mid, n, margin, alpha) >= POWER) lo = mid;
    else hi = mid;
  }
  return lo;
}
