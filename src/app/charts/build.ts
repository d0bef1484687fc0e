/**
 * From metric records to what a chart draws, per arm: the raw mean across seeds (faint), the debiased-EMA mean with
 * its min–max band across seeds (each seed smoothed first, then interpolated onto the x of every seed — seeds never
 * share an x in tokens or seconds), downsampled to the point budget and cleaned for log axes; x as step, tokens or
 * seconds (seconds add up each run's logged step times). Pure and tested. Arm colours
 * and dashes come from palette.ts, the table report.html's SVG uses too, so the page and the report agree.
 */
import { METRICS } from '../../core/metrics';
import { armStyle } from '../../core/experiment/palette';
import type { MetricRecord } from '../../worker/protocol';
import type { XAxis } from './series';
import {
  debiasedEma,
  forLogAxes,
  minMaxDownsample,
  seedBand,
  toPoints,
  type BandPoint,
  type Logged,
  type Point,
} from './series';

export interface ChartOptions {
  x: XAxis;
  smoothing: number;
  logX: boolean;
  logY: boolean;
  budget: number;
  /** Applied to each value before anything else (e.g. Math.exp for perplexity). */
  transform?: (v: number) => number;
}

export interface ArmSeries {
  arm: string;
  raw: Point[];
  smooth: BandPoint[];
}

/** An arm's stroke colour (palette.ts) on a light or, with `dark`, a dark background. */
export const armColour = (arm: string, dark = false) => (dark ? armStyle(arm).dark : armStyle(arm).colour);
/** An arm's SVG stroke-dasharray: dashed for a frozen body, undefined (solid) otherwise. */
export const armDash = (arm: string) => armStyle(arm).dash || undefined;

/** Seconds since the start of each run at each of its steps, from its logged speed/step_ms (steps between logs take the next logged time). */
export function secondsByStep(records: MetricRecord[]): Map<string, Map<number, number>> {
  const byRun = new Map<string, { step: number; ms: number }[]>();
  for (const r of records)
    if (r.metric === METRICS.stepMs) groupInto(byRun, `${r.arm}/${r.seed}`).push({ step: r.step, ms: r.value });
  const out = new Map<string, Map<number, number>>();
  for (const [key, list] of byRun) {
    list.sort((a, b) => a.step - b.step);
    const m = new Map<number, number>([[0, 0]]);
    let t = 0;
    let prev = 0;
    for (const { step, ms } of list) {
      t += ((step - prev) * ms) / 1000;
      prev = step;
      m.set(step, t);
    }
    out.set(key, m);
  }
  return out;
}

/** The list under `key`, created empty on first use (appending stays linear in the number of records). */
function groupInto<K, V>(m: Map<K, V[]>, key: K): V[] {
  let list = m.get(key);
  if (!list) m.set(key, (list = []));
  return list;
}

/**
 * Seconds at a record's step: its run's logged time there; between two logged steps, the earlier one's time plus the
 * steps since at the later one's time per step (the same rule secondsByStep uses); after the last logged step, at the
 * last one's time per step. NaN when the run logged no time.
 */
function secondsAt(r: MetricRecord, seconds: Map<string, Map<number, number>>): number {
  const m = seconds.get(`${r.arm}/${r.seed}`);
  if (!m) return NaN;
  if (m.has(r.step)) return m.get(r.step)!;
  const steps = [...m.keys()].sort((a, b) => a - b);
  let k = 0;
  while (k < steps.length - 1 && steps[k + 1] < r.step) k++;
  const a = steps[k];
  const b = steps[k + 1] ?? steps[k];
  const prev = steps[steps.indexOf(b) - 1] ?? 0;
  const perStep = b > prev ? (m.get(b)! - m.get(prev)!) / (b - prev) : 0;
  return m.get(a)! + (r.step - a) * perStep;
}

export function armSeries(records: MetricRecord[], metric: string, o: ChartOptions): ArmSeries[] {
  const f = o.transform ?? ((v: number) => v);
  // Seconds are worked out only when they are the x axis (otherwise NaN, never drawn).
  const seconds = o.x === 'seconds' ? secondsByStep(records) : null;
  const runs = new Map<string, Map<number, Logged[]>>();
  for (const r of records) {
    if (r.metric !== metric) continue;
    const bySeed = runs.get(r.arm) ?? new Map<number, Logged[]>();
    runs.set(r.arm, bySeed);
    groupInto(bySeed, r.seed).push({
      step: r.step,
      tokens: r.tokens,
      seconds: seconds ? secondsAt(r, seconds) : NaN,
      value: f(r.value),
    });
  }
  const out: ArmSeries[] = [];
  for (const [arm, bySeed] of runs) {
    const seeds = [...bySeed.values()].map((log) =>
      forLogAxes(
        toPoints(log, o.x)
          .filter((p) => Number.isFinite(p.x))
          .sort((a, b) => a.x - b.x),
        o.logX,
        o.logY,
      ),
    );
    const raw = seedBand(seeds).map((p) => ({ x: p.x, y: p.mean }));
    const smooth = seedBand(seeds.map((s) => debiasedEma(s, o.smoothing)));
    out.push({ arm, raw: minMaxDownsample(raw, o.budget), smooth: downsampleBand(smooth, o.budget) });
  }
  return out.sort((a, b) => a.arm.localeCompare(b.arm));
}

/** Band points thinned to the budget by their mean (min–max buckets keep the extremes of the mean line). */
export function downsampleBand(band: BandPoint[], budget: number): BandPoint[] {
  if (band.length <= budget) return band;
  const keep = new Set(
    minMaxDownsample(
      band.map((p, i) => ({ x: i, y: p.mean })),
      budget,
    ).map((p) => p.x),
  );
  return band.filter((_, i) => keep.has(i));
}
