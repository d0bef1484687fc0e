/**
 * Pure series transforms in front of recharts (TensorBoard / W&B conventions): debiased EMA smoothing, min–max
 * downsampling to a point budget, mean ± min–max bands across seeds, log-axis guards and a choice of x (step, tokens
 * or seconds). No React, no tfjs: each function takes and returns plain arrays.
 */

export interface Point {
  x: number;
  y: number;
}

/**
 * Debiased exponential moving average (TensorBoard): last = last·w + (1 − w)·y; value = last / (1 − w^n), where n
 * counts the points seen. w is clamped to [0, 0.999]; non-finite y are skipped (the previous value carries on).
 */
export function debiasedEma(points: Point[], weight: number): Point[] {
  const w = Math.min(0.999, Math.max(0, weight));
  let last = 0;
  let n = 0;
  const out: Point[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.y)) {
      if (n > 0) out.push({ x: p.x, y: out[out.length - 1].y });
      continue;
    }
    last = last * w + (1 - w) * p.y;
    n++;
    out.push({ x: p.x, y: w === 0 ? p.y : last / (1 - Math.pow(w, n)) });
  }
  return out;
}

/**
 * Min–max downsampling to at most `budget` points (≥ 4): the series is cut into budget/2 buckets of equal count and
 * each bucket keeps its lowest and highest point, in x order — spikes survive, the shape is kept.
 */
export function minMaxDownsample(points: Point[], budget = 1500): Point[] {
  if (points.length <= budget) return points;
  const buckets = Math.max(2, Math.floor(budget / 2));
  const size = points.length / buckets;
  const out: Point[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (points[i].y < points[lo].y) lo = i;
      if (points[i].y > points[hi].y) hi = i;
    }
    if (lo === hi) out.push(points[lo]);
    else out.push(points[Math.min(lo, hi)], points[Math.max(lo, hi)]);
  }
  return out;
}

export interface BandPoint {
  x: number;
  mean: number;
  lo: number;
  hi: number;
  /** How many seeds had a value at this x. */
  n: number;
}

/**
 * Mean and min–max across seeds at each x where any seed has a point. Seeds rarely share an x when x is tokens or
 * seconds (each seed's batches hold captions of other lengths, each step takes its own time), so every seed is
 * interpolated linearly at each x within its own first and last point; `n` counts the seeds that cover x (outside its
 * range a seed contributes nothing). With x = step the seeds share their x and nothing is interpolated.
 */
export function seedBand(seeds: Point[][]): BandPoint[] {
  const clean = seeds
    .map((s) => s.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x))
    .filter((s) => s.length > 0);
  const xs = [...new Set(clean.flatMap((s) => s.map((p) => p.x)))].sort((a, b) => a - b);
  const at = clean.map(() => 0);
  const out: BandPoint[] = [];
  for (const x of xs) {
    const ys: number[] = [];
    clean.forEach((s, k) => {
      if (x < s[0].x || x > s[s.length - 1].x) return;
      let i = at[k];
      while (i < s.length - 1 && s[i + 1].x <= x) i++;
      at[k] = i;
      const a = s[i];
      const b = s[i + 1];
      ys.push(a.x === x || !b ? a.y : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x));
    });
    if (ys.length)
      out.push({
        x,
        mean: ys.reduce((p, q) => p + q, 0) / ys.length,
        lo: Math.min(...ys),
        hi: Math.max(...ys),
        n: ys.length,
      });
  }
  return out;
}

/** Points drawable on a log axis: drops x ≤ 0 (log x) and y ≤ 0 (log y), which a log scale cannot place. */
export function forLogAxes(points: Point[], logX: boolean, logY: boolean): Point[] {
  return points.filter((p) => (!logX || p.x > 0) && (!logY || p.y > 0));
}

export type XAxis = 'step' | 'tokens' | 'seconds';

export interface Logged {
  step: number;
  tokens: number;
  /** Seconds since the run started. */
  seconds: number;
  value: number;
}

/** A metric's log as points on the chosen x axis. */
export function toPoints(log: Logged[], x: XAxis): Point[] {
  return log.map((r) => ({ x: r[x], y: r.value }));
}
