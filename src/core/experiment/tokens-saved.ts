/**
 * A and B as compute (issue 20, item 6): the share of its token budget at which the pre-trained arm first reaches
 * the scratch arm's final held-out loss, per seed, and the tokens saved (1 − that share) with a t-interval over seeds
 * — the nats of verdict.ts turned into "how much training pre-training was worth". A curve is read linearly in
 * tokens between its evaluations (curves.ts); "first reaches" is the first crossing, so a noisy curve that dips once
 * counts from the dip. A seed whose pre-trained curve never reaches the target within the budget saved nothing (it
 * would need more tokens than scratch, by an amount the run cannot see): it is named, and no interval is given.
 */
import type { Point, SeedPair } from './curves';
import { tInterval, type Interval } from './stats';

/** The tokens at which `c` first reaches `target` or below, linear in tokens between evaluations; null if never. */
export function firstReach(c: Point[], target: number): number | null {
  if (c.length === 0) return null;
  if (c[0].value <= target) return c[0].tokens;
  for (let i = 1; i < c.length; i++)
    if (c[i].value <= target) {
      const [a, b] = [c[i - 1], c[i]];
      return a.tokens + ((a.value - target) / (a.value - b.value)) * (b.tokens - a.tokens);
    }
  return null;
}

export interface TokensSaved {
  /** Which loss, in words. */
  what: string;
  /** Per seed: the share of its budget at which the pre-trained arm reached scratch's final loss (null: never). */
  perSeed: { seed: number; share: number | null }[];
  /** Seeds whose pre-trained curve never reached scratch's final loss within the budget. */
  notReached: number[];
  /** Seeds left out because a run of theirs stopped before the end (NaN/Inf). */
  excluded: number[];
  /** Share of the budget, mean and 95% t-interval over seeds; null when a seed did not reach it or none was paired. */
  share: Interval | null;
  /** 1 − share: the share of scratch's tokens pre-training saved, with the mirrored interval. */
  saved: Interval | null;
  sentence: string;
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/**
 * Tokens saved on `what` from pairs (a = pre-trained arm, b = scratch arm) of one metric: for each pair whose runs
 * both reached the budget, b's value at the budget is the target and a's first crossing of it, ÷ the budget, is the
 * share. Shares are fractions of the budget (0 … 1). `names` words the two arms in the sentence (a as a subject, b
 * as a possessive).
 */
export function tokensSaved(
  pairs: SeedPair[],
  what: string,
  names: { a: string; b: string } = { a: 'the pre-trained arm', b: "scratch's" },
): TokensSaved {
  const perSeed: TokensSaved['perSeed'] = [];
  const excluded: number[] = [];
  for (const p of pairs) {
    const end = p.b[p.b.length - 1];
    const aEnd = p.a[p.a.length - 1];
    // No budget (nothing trained) or a curve that gives no finite crossing: this seed says nothing about tokens saved.
    if (
      !(p.budget > 0) ||
      p.short.length ||
      Math.abs(end.tokens - p.budget) > 1e-9 * p.budget ||
      Math.abs(aEnd.tokens - p.budget) > 1e-9 * p.budget
    ) {
      excluded.push(p.seed);
      continue;
    }
    const t = firstReach(p.a, end.value);
    if (t !== null && !Number.isFinite(t / p.budget)) {
      excluded.push(p.seed);
      continue;
    }
    perSeed.push({ seed: p.seed, share: t === null ? null : t / p.budget });
  }
  const notReached = perSeed.filter((s) => s.share === null).map((s) => s.seed);
  const shares = perSeed.map((s) => s.share).filter((s): s is number => s !== null);
  const share = perSeed.length && notReached.length === 0 ? tInterval(shares) : null;
  const saved: Interval | null = share
    ? {
        mean: 1 - share.mean,
        ci95: share.ci95 ? [1 - share.ci95[1], 1 - share.ci95[0]] : null,
        n: share.n,
        sd: share.sd,
      }
    : null;
  let sentence: string;
  if (perSeed.length === 0) sentence = `Tokens saved on ${what}: no seed has both runs complete.`;
  else if (notReached.length)
    sentence = `Tokens saved on ${what}: none — ${names.a} never reached ${names.b} final loss within the budget in seed${notReached.length === 1 ? '' : 's'} ${notReached.join(', ')}${shares.length ? ` (the other seeds reached it at ${shares.map(pct).join(', ')} of the budget)` : ''}.`;
  else
    sentence = `Tokens saved on ${what}: ${names.a} reached ${names.b} final loss at ${pct(share!.mean)} of the budget${share!.ci95 ? ` (95% CI ${pct(share!.ci95[0])} to ${pct(share!.ci95[1])}, ${share!.n} seeds)` : ` (${share!.n} seed, no interval)`}: it saved ${pct(saved!.mean)} of ${names.b} tokens.`;
  return { what, perSeed, notReached, excluded, share, saved, sentence };
}
