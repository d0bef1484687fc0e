/**
 * Statistics for the verdicts (verdict.ts): Student-t quantiles and CDF (from @stdlib, pinned in package.json), the
 * 95% t-interval across seeds, and the one-sample tests of paired per-seed differences against an equivalence
 * margin ±m that the rules use:
 *   - equivalence, by two one-sided tests (TOST; Schuirmann 1987): H0 μ ≤ −m and H0 μ ≥ +m, each at level α; both
 *     rejected ⟺ the (1 − 2α) t-interval lies inside (−m, +m); p = the larger of the two one-sided p-values;
 *   - a difference beyond the margin (minimal-effect tests): H0 μ ≤ +m ("above") and H0 μ ≥ −m ("below").
 * With sd the sample standard deviation of n values, se = sd/√n and df = n − 1.
 */
import tCdfStdlib from '@stdlib/stats-base-dists-t-cdf';
import tQuantileStdlib from '@stdlib/stats-base-dists-t-quantile';

/** The p-quantile of Student's t with df degrees of freedom (p in (0, 1), df > 0). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`t quantile needs a probability in (0, 1), got ${p}`);
  if (!(df > 0)) throw new Error(`t quantile needs df > 0, got ${df}`);
  return tQuantileStdlib(p, df);
}

/** P(T ≤ x) for Student's t with df degrees of freedom; ±Infinity give 1 and 0. */
export function tCdf(x: number, df: number): number {
  if (!(df > 0)) throw new Error(`t CDF needs df > 0, got ${df}`);
  return tCdfStdlib(x, df);
}

export interface Interval {
  mean: number;
  /** 95% two-sided t-interval; null with fewer than two values. */
  ci95: [number, number] | null;
  n: number;
  /** Sample standard deviation (n − 1 in the denominator); null with fewer than two values. */
  sd: number | null;
}

function meanSd(values: number[]): { mean: number; sd: number | null } {
  const n = values.length;
  if (n === 0) throw new Error('no values to summarise');
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`values must be finite, got ${values.join(', ')}`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  return { mean, sd: n < 2 ? null : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) };
}

/** mean ± t_{1−(1−level)/2, n−1} · sd/√n; null with fewer than two values. */
export function tBounds(values: number[], level: number): [number, number] | null {
  const { mean, sd } = meanSd(values);
  if (sd === null) return null;
  const half = (tQuantile(1 - (1 - level) / 2, values.length - 1) * sd) / Math.sqrt(values.length);
  return [mean - half, mean + half];
}

/** Mean, sd and the 95% t-interval of per-seed values. Throws on no values or a non-finite one. */
export function tInterval(values: number[]): Interval {
  const { mean, sd } = meanSd(values);
  return { mean, ci95: tBounds(values, 0.95), n: values.length, sd };
}

export interface MarginTest extends Interval {
  /** The margin m the tests use (same unit as the values). */
  margin: number;
  /** 90% t-interval: the two one-sided 95% bounds that TOST at α = 0.05 compares with ±m. */
  ci90: [number, number] | null;
  /** TOST p-value for equivalence, |μ| < m (the larger one-sided p); null with fewer than two values. */
  pEquivalent: number | null;
  /** One-sided p-value for μ > +m (H0 μ ≤ +m). */
  pAbove: number | null;
  /** One-sided p-value for μ < −m (H0 μ ≥ −m). */
  pBelow: number | null;
}

/** One-sided p of H0 "μ ≤ c" against μ > c. se = 0 (identical values) gives 0 when the mean exceeds c, else 1. */
function pGreater(mean: number, c: number, se: number, df: number): number {
  if (se === 0) return mean > c ? 0 : 1;
  return 1 - tCdf((mean - c) / se, df);
}

/** TOST and the two minimal-effect tests of per-seed values against ±margin (margin > 0). */
export function marginTest(values: number[], margin: number): MarginTest {
  if (!(margin > 0)) throw new Error(`the equivalence margin must be positive, got ${margin}`);
  const base = tInterval(values);
  if (base.sd === null) return { ...base, margin, ci90: null, pEquivalent: null, pAbove: null, pBelow: null };
  const df = base.n - 1;
  const se = base.sd / Math.sqrt(base.n);
  const pAbove = pGreater(base.mean, margin, se, df);
  const pBelow = pGreater(-base.mean, margin, se, df);
  // TOST: H0 μ ≤ −m (p of μ > −m) and H0 μ ≥ +m (p of μ < +m, i.e. −μ > −m).
  const pNotBelow = pGreater(base.mean, -margin, se, df);
  const pNotAbove = pGreater(-base.mean, -margin, se, df);
  return { ...base, margin, ci90: tBounds(values, 0.9), pEquivalent: Math.max(pNotBelow, pNotAbove), pAbove, pBelow };
}

export interface Ratio {
  /** exp(mean of the per-seed log ratios): the geometric mean of the ratios. */
  mean: number;
  /** exp of the 95% t-interval of the log ratios; null with fewer than two values. */
  ci95: [number, number] | null;
  n: number;
}

/** A ratio and its interval on the log scale, from per-seed log ratios (differences in nats). */
export function ratioFromLogs(logRatios: number[]): Ratio {
  const i = tInterval(logRatios);
  return { mean: Math.exp(i.mean), ci95: i.ci95 ? [Math.exp(i.ci95[0]), Math.exp(i.ci95[1])] : null, n: i.n };
}
