// Small statistics for the verdict: mean, sample standard deviation and the Student-t 95% interval across seeds.

/** Two-sided 97.5% quantiles of Student's t for 1…30 degrees of freedom. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`t quantile needs df ≥ 1, got ${df}`);
  if (df <= 30) return T975[df - 1];
  return 1.96 + 2.4 / df; // within 0.002 of the exact value beyond 30
}

export interface Interval {
  mean: number;
  /** 95% t-interval; null with fewer than two values. */
  ci95: [number, number] | null;
  n: number;
  sd: number | null;
}

export function tInterval(values: number[]): Interval {
  const n = values.length;
  if (n === 0) throw new Error('tInterval: no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, ci95: null, n, sd: null };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { mean, ci95: [mean - half, mean + half], n, sd };
}
