// The quality of generated images in the report: each arm's category-classifier accuracy (95% t-interval over
// seeds) beside the majority-class baseline of the judged captions, and its Fréchet distance (extras.ts,
// quality.ts) with a 95% percentile-bootstrap interval over seeds (bootstrap.ts: it stays inside the seeds' values,
// so a distance's interval never goes below zero, as a t-interval over 3 seeds did), and pretrained − scratch
// paired by seed.
import type { Quality } from './extras';
import { meanBootstrap } from './bootstrap';
import { tInterval, type Interval } from './stats';

/** The mean and sd of `values` with the 95% percentile-bootstrap interval of the mean (null under two values). */
function bootstrapInterval(values: number[]): Interval {
  return { ...tInterval(values), ci95: meanBootstrap(values).ci95 };
}

export interface QualitySummary {
  /** Generated images per arm and seed. */
  samples: number;
  /** The classifier's accuracy on real validation images (its ceiling). */
  classifierValAccuracy: number;
  /** What always answering the judged captions' most common category scores (absent in older figures). */
  majorityBaseline?: number;
  /** Share of generated images the classifier puts in their caption's category, and the Fréchet distance. */
  byArm: Record<string, { seeds: number[]; accuracy: Interval; frechet: Interval }>;
  /** Paired over the seeds both arms have; null without both arms. */
  pretrainedMinusScratch: { seeds: number[]; accuracy: Interval; frechet: Interval } | null;
  sentence: string;
}

const pct = (i: Interval) =>
  `${(100 * i.mean).toFixed(1)}%${i.ci95 ? ` (95% CI ${(100 * i.ci95[0]).toFixed(1)} to ${(100 * i.ci95[1]).toFixed(1)})` : ''}`;
/** A Fréchet figure: its interval is a percentile bootstrap over seeds, and says so. */
const num = (i: Interval) =>
  `${i.mean.toFixed(2)}${i.ci95 ? ` (95% bootstrap interval over seeds ${i.ci95[0].toFixed(2)} to ${i.ci95[1].toFixed(2)})` : ''}`;
const signedPct = (i: Interval) =>
  `${i.mean >= 0 ? '+' : ''}${(100 * i.mean).toFixed(1)} points${i.ci95 ? ` (95% CI ${(100 * i.ci95[0]).toFixed(1)} to ${(100 * i.ci95[1]).toFixed(1)})` : ''}`;

/**
 * Summarise the run's quality figure. A figure recorded before per-seed quality existed (no `perSeed`) is read as
 * seed 0's, and a line saying so is pushed to `notes`. Null when the run has no quality figure.
 */
export function qualitySummary(
  q: Quality | (Omit<Quality, 'perSeed'> & { perSeed?: Quality['perSeed'] }) | null | undefined,
  notes: string[],
): QualitySummary | null {
  if (!q) return null;
  let perSeed = q.perSeed && Object.keys(q.perSeed).length ? q.perSeed : undefined;
  if (!perSeed && Object.keys(q.perArm ?? {}).length === 0) return null;
  if (!perSeed) {
    perSeed = Object.fromEntries(Object.entries(q.perArm).map(([arm, v]) => [arm, [{ seed: 0, ...v }]]));
    notes.push('The quality figure was recorded for seed 0 only (before every seed was judged): it has no interval.');
  }
  const byArm: QualitySummary['byArm'] = {};
  for (const [arm, v] of Object.entries(perSeed)) {
    if (!v.length) continue;
    byArm[arm] = {
      seeds: v.map((x) => x.seed),
      accuracy: tInterval(v.map((x) => x.accuracy)),
      frechet: bootstrapInterval(v.map((x) => x.frechet)),
    };
  }
  let pretrainedMinusScratch: QualitySummary['pretrainedMinusScratch'] = null;
  const [p, s] = [perSeed.pretrained ?? [], perSeed.scratch ?? []];
  const seeds = p.map((x) => x.seed).filter((seed) => s.some((y) => y.seed === seed));
  if (seeds.length) {
    const pick = (xs: typeof p, seed: number) => xs.find((x) => x.seed === seed)!;
    pretrainedMinusScratch = {
      seeds,
      accuracy: tInterval(seeds.map((seed) => pick(p, seed).accuracy - pick(s, seed).accuracy)),
      frechet: bootstrapInterval(seeds.map((seed) => pick(p, seed).frechet - pick(s, seed).frechet)),
    };
  }
  const arms = Object.entries(byArm).map(
    ([arm, v]) =>
      `${arm} recognised ${pct(v.accuracy)}, Fréchet distance ${num(v.frechet)}, ${v.seeds.length} seed${v.seeds.length === 1 ? '' : 's'}`,
  );
  const diff = pretrainedMinusScratch
    ? ` Pretrained − scratch: accuracy ${signedPct(pretrainedMinusScratch.accuracy)}, Fréchet distance ${num(pretrainedMinusScratch.frechet)}.`
    : '';
  const base =
    q.majorityBaseline !== undefined
      ? `; always naming their most common category scores ${(100 * q.majorityBaseline).toFixed(1)}%`
      : '';
  const sentence = `Generated images (${q.samples} validation captions per arm and seed; the classifier recognises ${(100 * q.classifierValAccuracy).toFixed(1)}% of real ones${base}): ${arms.join('; ')}.${diff}`;
  return {
    samples: q.samples,
    classifierValAccuracy: q.classifierValAccuracy,
    ...(q.majorityBaseline !== undefined ? { majorityBaseline: q.majorityBaseline } : {}),
    byArm,
    pretrainedMinusScratch,
    sentence,
  };
}
