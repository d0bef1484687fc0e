/**
 * The power line of each verdict (verdict.ts): what the run's seeds at their observed paired sd could tell from
 * zero and from the rule's bound, whether it could show equivalence at all, and for an inconclusive verdict how many
 * seeds would decide it at the observed mean and noise. The numbers come from power.ts (exact noncentral t, α 0.05,
 * power 0.8); this module picks, per effect, which test and bound they describe and words them.
 */
import { MAX_SEEDS, POWER, detectable, maxSdForEquivalence, seedsToDecideBound, seedsToDecideMargin } from './power';
import type { MarginTest } from './stats';

export interface EffectPower {
  /** Which estimate the figures are about, e.g. "the difference at 100% of the tokens". */
  at: string;
  n: number;
  /** The observed paired sd the figures assume (same unit as the effect). */
  sd: number;
  alpha: number;
  power: number;
  /** Smallest |difference| the two-sided paired t-test at α detects with `power`. */
  fromZero: number;
  /** The rule's bound (the margin m, or ln 2 for C) and the one-sided level the rule tests it at. */
  bound: number;
  boundAlpha: number;
  /** Smallest distance beyond (or short of) the bound the rule's one-sided test resolves with `power`. */
  fromBound: number;
  /** A only: largest |difference| TOST calls equal with `power`, or null when even 0 is out of reach. */
  equivalentWithin: number | null;
  /** A only: the largest paired sd at which TOST at these seeds shows a true 0 equal with `power`. */
  sdForEquivalence: number | null;
  /** Inconclusive verdicts: the seeds that would decide it with `power` if the observed mean and sd were the truth; null otherwise, or when more than MAX_SEEDS. */
  seedsToDecide: number | null;
  /** How the figures were computed. */
  method: string;
  sentence: string;
}

const METHOD = 'exact power of the paired t-test by the noncentral t distribution (power.ts)';
const f3 = (x: number) => x.toFixed(3);

function head(at: string, n: number, sd: number, alpha: number): string {
  return `Power (${at}; paired t over ${n} seeds at the observed sd ${f3(sd)}, α = ${alpha}, power ${POWER}, noncentral t)`;
}

function decideText(seeds: number | null, inconclusive: boolean, what: string): string {
  if (!inconclusive) return '';
  return seeds === null
    ? ` At the observed ${what} and noise, not even ${MAX_SEEDS} seeds would decide it.`
    : ` At the observed ${what} and noise, about ${seeds} seeds would decide it.`;
}

/** A's power, on the test at the end of the run: from zero, beyond ±m at the Bonferroni level, and TOST's reach. */
export function imageLossPower(
  end: MarginTest,
  margin: number,
  alpha: number,
  tests: number,
  inconclusive: boolean,
): EffectPower | null {
  if (end.n < 2 || !end.sd) return null;
  const boundAlpha = alpha / tests;
  const d = detectable(end.sd, end.n, margin, alpha, boundAlpha);
  const sdEq = maxSdForEquivalence(end.n, margin, alpha);
  const seeds = inconclusive ? seedsToDecideMargin(end.mean, end.sd, margin, alpha, boundAlpha) : null;
  const eq =
    d.equivalentWithin !== null
      ? `TOST would call differences within ±${f3(d.equivalentWithin)} equal`
      : `it could not show equivalence within ±${margin} even if the arms were identical (TOST at ${end.n} seeds needs sd ≤ ${f3(sdEq)})`;
  const sentence = `${head('the difference at the end of the run', end.n, end.sd, alpha)}: this run could tell a difference of ${f3(d.fromZero)} nats from zero, and one ${f3(d.fromBound)} nats beyond ±${margin} (α/${tests}) from the margin, i.e. |difference| ≥ ${f3(margin + d.fromBound)}; ${eq}.${decideText(seeds, inconclusive, `difference of ${f3(end.mean)}`)}`;
  return {
    at: 'the difference at the end of the run',
    n: end.n,
    sd: end.sd,
    alpha,
    power: POWER,
    fromZero: d.fromZero,
    bound: margin,
    boundAlpha,
    fromBound: d.fromBound,
    equivalentWithin: d.equivalentWithin,
    sdForEquivalence: sdEq,
    seedsToDecide: seeds,
    method: METHOD,
    sentence,
  };
}

/**
 * B's or C's power against one bound (B: +m for the gap at the start and at the end; C: ln 2 for the log ratio),
 * on `main` (the headline estimate); `undecided` are the estimates whose interval still straddles the bound (the
 * seeds to decide are the most any of them needs).
 */
export function boundPower(
  at: string,
  main: MarginTest,
  bound: number,
  boundName: string,
  alpha: number,
  undecided: MarginTest[],
  unit = 'nats',
): EffectPower | null {
  if (main.n < 2 || !main.sd) return null;
  const d = detectable(main.sd, main.n, null, alpha, alpha);
  const per = undecided.filter((u) => u.n >= 2 && u.sd).map((u) => seedsToDecideBound(u.mean, u.sd!, bound, alpha));
  const seeds =
    undecided.length === 0
      ? null
      : per.length === undecided.length && per.every((s) => s !== null)
        ? Math.max(...(per as number[]))
        : null;
  const sentence = `${head(at, main.n, main.sd, alpha)}: this run could tell a difference of ${f3(d.fromZero)} ${unit} from zero, and a value ${f3(d.fromBound)} ${unit} above or below ${boundName} from it (one-sided α).${decideText(seeds, undecided.length > 0, 'values')}`;
  return {
    at,
    n: main.n,
    sd: main.sd,
    alpha,
    power: POWER,
    fromZero: d.fromZero,
    bound,
    boundAlpha: alpha,
    fromBound: d.fromBound,
    equivalentWithin: null,
    sdForEquivalence: null,
    seedsToDecide: seeds,
    method: METHOD,
    sentence,
  };
}
