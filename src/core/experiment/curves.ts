/**
 * Held-out curves out of the metric records, read at equal token budgets for the verdicts (verdict.ts). A curve is
 * one arm × seed × metric as points (step, tokens, value) in token order; between two evaluations a value is the
 * linear interpolation in tokens; outside the evaluated range there is none. Two arms of a seed form a pair, compared
 * at fractions of the pair's planned budget (the tokens its runs reach at the last step; both arms of a seed see the
 * same batches, so the same tokens). A run stopped early (NaN/Inf) has no value past its last evaluation, so it drops
 * out of the budgets it did not reach instead of setting its last evaluation against the other arm's final one.
 */
import type { MetricRecord } from './runner';

export interface Point {
  step: number;
  /** Training tokens seen (the loss-mask tokens, as the records count them). */
  tokens: number;
  value: number;
}

/** One arm × seed × metric in token order; non-finite values are dropped, a repeated step keeps its last record. */
export function curveOf(records: MetricRecord[], arm: string, seed: number, metric: string): Point[] {
  const byStep = new Map<number, Point>();
  for (const r of records)
    if (r.arm === arm && r.seed === seed && r.metric === metric && Number.isFinite(r.value))
      byStep.set(r.step, { step: r.step, tokens: r.tokens, value: r.value });
  return [...byStep.values()].sort((a, b) => a.tokens - b.tokens || a.step - b.step);
}

/** The curve's value at `tokens` (linear in tokens between evaluations), or null outside its evaluated range. */
export function valueAt(c: Point[], tokens: number): number | null {
  if (c.length === 0) return null;
  const tol = 1e-9 * Math.max(1, Math.abs(tokens));
  if (tokens < c[0].tokens - tol || tokens > c[c.length - 1].tokens + tol) return null;
  for (let i = 0; i < c.length; i++) {
    if (Math.abs(c[i].tokens - tokens) <= tol) return c[i].value;
    if (i + 1 < c.length && c[i + 1].tokens > tokens) {
      const w = (tokens - c[i].tokens) / (c[i + 1].tokens - c[i].tokens);
      return c[i].value + w * (c[i + 1].value - c[i].value);
    }
  }
  return c[c.length - 1].value;
}

/** The last step any run evaluated `metric` at: the run's planned end (a run that stopped short of it stopped early). */
export function lastStep(records: MetricRecord[], metric: string): number {
  let s = -Infinity;
  for (const r of records) if (r.metric === metric && r.step > s) s = r.step;
  return s;
}

export interface SeedPair {
  seed: number;
  a: Point[];
  b: Point[];
  /** Tokens the pair's runs reach at the last step (both arms of a seed see the same batches). */
  budget: number;
  /** Runs of the pair that stopped before the last step, as "arm seed s stopped at step k". */
  short: string[];
}

/** A run's planned budget: its tokens at the last step, or (stopped early) its tokens per step times the last step. */
function plannedTokens(c: Point[], end: number): number {
  const last = c[c.length - 1];
  return last.step === end || last.step === 0 ? last.tokens : (last.tokens * end) / last.step;
}

/** The pairs (armA, armB) of every seed in `seeds` where both arms have a curve of `metric`. */
export function seedPairs(
  records: MetricRecord[],
  armA: string,
  armB: string,
  metric: string,
  seeds: number[],
): SeedPair[] {
  const end = lastStep(records, metric);
  const out: SeedPair[] = [];
  for (const seed of seeds) {
    const a = curveOf(records, armA, seed, metric);
    const b = curveOf(records, armB, seed, metric);
    if (a.length === 0 || b.length === 0) continue;
    const done = [a, b].filter((c) => c[c.length - 1].step === end);
    const budget = done.length
      ? Math.max(...done.map((c) => c[c.length - 1].tokens))
      : Math.max(plannedTokens(a, end), plannedTokens(b, end));
    const short = (
      [
        [armA, a],
        [armB, b],
      ] as const
    )
      .filter(([, c]) => c[c.length - 1].step !== end)
      .map(([arm, c]) => `${arm} seed ${seed} stopped at step ${c[c.length - 1].step}`);
    out.push({ seed, a, b, budget, short });
  }
  return out;
}

export interface PairedValues {
  /** a − b of each included seed. */
  diffs: number[];
  seeds: number[];
  /** Seeds left out because a run of theirs did not reach the budget. */
  excluded: number[];
  /** The budget in tokens, averaged over the pairs (each pair is read at its own fraction of its budget). */
  tokens: number;
}

/** a − b at `fraction` of each pair's budget. */
export function pairedAt(pairs: SeedPair[], fraction: number): PairedValues {
  const out: PairedValues = { diffs: [], seeds: [], excluded: [], tokens: 0 };
  for (const p of pairs) {
    const t = fraction * p.budget;
    const va = valueAt(p.a, t);
    const vb = valueAt(p.b, t);
    if (va === null || vb === null) out.excluded.push(p.seed);
    else {
      out.diffs.push(va - vb);
      out.seeds.push(p.seed);
    }
  }
  out.tokens = pairs.length ? pairs.reduce((s, p) => s + fraction * p.budget, 0) / pairs.length : 0;
  return out;
}

/**
 * The area between the curves of each pair over its whole budget, divided by the budget's length: the mean of a − b
 * over the run (trapezoid rule on the union of both curves' evaluations), in the curves' unit. Pairs with a run
 * that did not reach the budget are excluded.
 */
export function pairedArea(pairs: SeedPair[]): PairedValues {
  const out: PairedValues = { diffs: [], seeds: [], excluded: [], tokens: 0 };
  for (const p of pairs) {
    const start = Math.max(p.a[0].tokens, p.b[0].tokens);
    const grid = [...new Set([...p.a, ...p.b].map((q) => q.tokens).filter((t) => t >= start && t <= p.budget))].sort(
      (x, y) => x - y,
    );
    const d = grid.map((t) => (valueAt(p.a, t) ?? NaN) - (valueAt(p.b, t) ?? NaN));
    const reached = valueAt(p.a, p.budget) !== null && valueAt(p.b, p.budget) !== null;
    if (!reached || grid.length < 2 || d.some((x) => !Number.isFinite(x))) {
      out.excluded.push(p.seed);
      continue;
    }
    let area = 0;
    for (let i = 1; i < grid.length; i++) area += ((d[i] + d[i - 1]) / 2) * (grid[i] - grid[i - 1]);
    out.diffs.push(area / (grid[grid.length - 1] - grid[0]));
    out.seeds.push(p.seed);
  }
  out.tokens = pairs.length ? pairs.reduce((s, p) => s + p.budget, 0) / pairs.length : 0;
  return out;
}

/** The fractions of its budget at which the first complete pair was evaluated (0 … 1): B's grid along the run. */
export function evaluatedFractions(pairs: SeedPair[]): number[] {
  const p = pairs.find((q) => q.short.length === 0) ?? pairs[0];
  if (!p) return [];
  return [
    ...new Set(
      p.a
        .map((q) => q.tokens / p.budget)
        .filter((f) => f >= 0 && f <= 1 + 1e-12)
        .map((f) => Math.min(1, f)),
    ),
  ].sort((x, y) => x - y);
}
