/**
 * Per-image held-out losses (issue 20, item 3): each run's mean image-token NLL on every evaluated validation image
 * at its final evaluation, kept in report.json's meta (`perImage`, 4 decimals) with each image's concept and
 * category, so the report can resample over concepts: A's concept-level bootstrap interval (pretrained − scratch,
 * paired by seed, then resampled by concept; bootstrap.ts). Skin-tone variants share a concept, so they are
 * resampled together rather than counted as independent images.
 */
import { clusterBootstrap, type BootstrapInterval } from './bootstrap';
import type { Run } from './runner';

export interface PerImageLosses {
  /** The concept of each evaluated image (bring-your-own data: the image's index in the dataset). */
  concepts: number[];
  /** The category of each evaluated image; null for bring-your-own data. */
  categories: string[] | null;
  /** Each run's final evaluation: its step and mean image-token loss per image (nats), in the images' order. */
  runs: { arm: string; seed: number; step: number; losses: number[] }[];
}

/**
 * The final per-image losses of the runs that finished (stopped runs are left out). `concepts`/`categories` label
 * the validation split's images in order; only the first `losses.length` (the evaluated ones) are kept.
 */
export function perImageLosses(
  runs: readonly Run[],
  concepts: readonly number[],
  categories: readonly string[] | null,
): PerImageLosses | null {
  const done = runs.filter((r) => !r.stopped && r.lastEval);
  if (!done.length) return null;
  const n = done[0].lastEval!.imageLossByImage.length;
  return {
    concepts: concepts.slice(0, n),
    categories: categories ? categories.slice(0, n) : null,
    runs: done.map((r) => ({
      arm: r.arm.name,
      seed: r.seed,
      step: r.step,
      losses: r.lastEval!.imageLossByImage.map((v) => Math.round(v * 1e4) / 1e4),
    })),
  };
}

export interface ConceptBootstrap extends BootstrapInterval {
  /** Seeds both arms finished, paired. */
  seeds: number[];
  images: number;
}

/**
 * A's concept-level interval: for each image, the mean over the seeds both arms finished of a − b's final image
 * loss; then the cluster bootstrap of the mean over images, resampling concepts (2000 replicates, seeded). Null when
 * the report has no per-image losses or no seed has both arms over the same images.
 */
export function conceptBootstrapA(
  p: PerImageLosses | null | undefined,
  a = 'pretrained',
  b = 'scratch',
): ConceptBootstrap | null {
  if (!p?.runs?.length) return null;
  const of = (arm: string) => new Map(p.runs.filter((r) => r.arm === arm).map((r) => [r.seed, r.losses]));
  const [ra, rb] = [of(a), of(b)];
  const seeds = [...ra.keys()]
    .filter((s) => rb.has(s) && rb.get(s)!.length === ra.get(s)!.length)
    .sort((x, y) => x - y);
  if (!seeds.length) return null;
  const n = ra.get(seeds[0])!.length;
  if (n === 0 || seeds.some((s) => ra.get(s)!.length !== n) || p.concepts.length < n) return null;
  const diffs = Array.from(
    { length: n },
    (_, i) => seeds.reduce((s, seed) => s + ra.get(seed)![i] - rb.get(seed)![i], 0) / seeds.length,
  );
  return { ...clusterBootstrap(diffs, p.concepts.slice(0, n)), seeds, images: n };
}

/** A's concept bootstrap in words for the report. */
export function conceptSentence(c: ConceptBootstrap): string {
  const f = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
  return `Resampled by concept: pretrained − scratch final held-out image loss ${f(c.mean)} nats${c.ci95 ? ` (95% bootstrap interval ${f(c.ci95[0])} to ${f(c.ci95[1])}, ${c.clusters} concepts, ${c.images} images, mean of ${c.seeds.length} paired seed${c.seeds.length === 1 ? '' : 's'})` : ` (one concept: no interval)`} — how much the verdict could move with a different draw of emoji, not of seeds.`;
}
