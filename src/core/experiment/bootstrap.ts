/**
 * Percentile bootstrap intervals (Efron & Tibshirani 1993, ch. 13): the cluster bootstrap over concepts for the
 * held-out image loss (issue 20, item 3: resampling concepts, not images, because the skin-tone variants of one
 * emoji are not independent draws), and the plain bootstrap of a mean over seeds for the Fréchet distance, whose
 * interval then stays inside the observed values (never below zero for a distance). Replicates come from a seeded
 * generator, so a report is reproducible.
 */
import { Rng } from '../nn/init';

export interface BootstrapInterval {
  /** The statistic on the data as observed. */
  mean: number;
  /** 2.5% and 97.5% percentiles of the replicates; null with fewer than two clusters. */
  ci95: [number, number] | null;
  /** Standard deviation of the replicates (the bootstrap standard error); null with fewer than two clusters. */
  se: number | null;
  /** Clusters resampled (concepts, or seeds). */
  clusters: number;
  replicates: number;
}

/** The q-quantile of sorted values: the value at rank ⌈q·R⌉ (1-based), the percentile interval's convention. */
function quantileSorted(sorted: number[], q: number): number {
  const k = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[k - 1];
}

/**
 * The cluster bootstrap of a mean: `values[i]` belongs to cluster `clusters[i]`; each replicate draws as many
 * clusters as there are, with replacement, and takes the mean over every value of the drawn clusters (a cluster
 * drawn twice counts twice). The observed statistic is the plain mean over `values`.
 * @throws on no values, a length mismatch or a value that is not finite
 */
export function clusterBootstrap(
  values: number[],
  clusters: number[],
  opts: { replicates?: number; seed?: number } = {},
): BootstrapInterval {
  const R = opts.replicates ?? 2000;
  if (values.length === 0) throw new Error('clusterBootstrap: no values');
  if (values.length !== clusters.length)
    throw new Error(`clusterBootstrap: ${values.length} values but ${clusters.length} cluster labels`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`clusterBootstrap: value ${bad} is ${values[bad]}, not a finite number`);
  const groups = new Map<number, { sum: number; n: number }>();
  values.forEach((v, i) => {
    const g = groups.get(clusters[i]) ?? { sum: 0, n: 0 };
    g.sum += v;
    g.n += 1;
    groups.set(clusters[i], g);
  });
  const list = [...groups.values()];
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (list.length < 2) return { mean, ci95: null, se: null, clusters: list.length, replicates: 0 };
  const rng = new Rng(opts.seed ?? 20);
  const reps: number[] = [];
  for (let r = 0; r < R; r++) {
    let sum = 0;
    let n = 0;
    for (let k = 0; k < list.length; k++) {
      const g = list[rng.int(list.length)];
      sum += g.sum;
      n += g.n;
    }
    reps.push(sum / n);
  }
  reps.sort((a, b) => a - b);
  const m = reps.reduce((a, b) => a + b, 0) / R;
  const se = Math.sqrt(reps.reduce((s, v) => s + (v - m) ** 2, 0) / (R - 1));
  return {
    mean,
    ci95: [quantileSorted(reps, 0.025), quantileSorted(reps, 0.975)],
    se,
    clusters: list.length,
    replicates: R,
  };
}

/** The bootstrap of a mean over independent values (each its own cluster), e.g. one Fréchet distance per seed. */
export function meanBootstrap(values: number[], opts: { replicates?: number; seed?: number } = {}): BootstrapInterval {
  return clusterBootstrap(
    values,
    values.map((_, i) => i),
    opts,
  );
}
