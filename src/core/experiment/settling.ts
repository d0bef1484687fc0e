/**
 * Has a run settled? For each arm and held-out curve, the change over the last 10% of the run's tokens: the value
 * at the last evaluation minus the value at 90% of the tokens (curves.ts: linear in tokens between evaluations; a
 * seed not evaluated that early is left out), per seed, then the mean over seeds, in nats per token. A curve that still falls by more than the equivalence margin over
 * its last tenth has not settled, and the report says so.
 */
import { METRICS } from '../metrics';
import { curveOf, valueAt, type Point } from './curves';
import type { MetricRecord } from './runner';

/** One curve's change over its last 10% of tokens, nats per token (negative: still falling), mean over seeds. */
export interface Settling {
  arm: string;
  metric: string;
  change: number;
  seeds: number;
}

/**
 * One seed's curve's change over its last 10% of tokens: the value at the last point minus the curve at 90% of its
 * tokens (linear between points), nats per token; null with fewer than 2 points or none that early.
 */
export function lastTenthChange(c: Point[]): number | null {
  if (c.length < 2) return null;
  const last = c[c.length - 1];
  const at90 = valueAt(c, 0.9 * last.tokens);
  return at90 === null ? null : last.value - at90;
}

/** The last-10% change of the held-out image- and caption-token losses of every arm (seeds with ≥ 2 evaluations). */
export function lastTenthChanges(
  records: MetricRecord[],
  metrics: string[] = [METRICS.valImageLoss, METRICS.valTextLoss],
): Settling[] {
  const out: Settling[] = [];
  const arms = [...new Set(records.map((r) => r.arm))];
  for (const arm of arms)
    for (const metric of metrics) {
      const changes = [...new Set(records.map((r) => r.seed))]
        .map((seed) => lastTenthChange(curveOf(records, arm, seed, metric)))
        .filter((x): x is number => x !== null);
      if (changes.length)
        out.push({ arm, metric, change: changes.reduce((a, b) => a + b, 0) / changes.length, seeds: changes.length });
    }
  return out;
}

/** One sentence for the report's notes. */
export function settlingNote(s: Settling[], margin: number): string {
  const name = (m: string) => (m === METRICS.valImageLoss ? 'image' : m === METRICS.valTextLoss ? 'caption' : m);
  const parts = s.map((x) => `${x.arm} ${name(x.metric)} ${x.change >= 0 ? '+' : '−'}${Math.abs(x.change).toFixed(3)}`);
  const moving = s.filter((x) => Math.abs(x.change) > margin);
  return `Change of the held-out losses over the last 10% of the tokens (nats per token, mean over seeds): ${parts.join(', ')}. ${moving.length ? `Not settled: ${moving.map((x) => `${x.arm} ${name(x.metric)}`).join(', ')} still moved by more than the ${margin}-nat margin.` : `Every curve moved by less than the ${margin}-nat margin: settled at this length.`}`;
}
