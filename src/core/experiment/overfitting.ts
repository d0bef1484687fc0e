/**
 * Does a run over-fit its training images? For each arm, per seed: the held-out image-token loss at the last
 * evaluation against the training image-token loss there — the mean of `train/image_loss` (the loss of each step's
 * training batch, before its update) over the steps in the last 10% of the run — and how each moved over that last
 * tenth (held-out: last evaluation minus the curve at 90% of the tokens, settling.ts's lastTenthChange; training:
 * the mean over the last tenth of the steps minus the mean over the tenth before). Means over seeds, nats per image token. With the passes
 * over the training images (steps × batch ÷ training images), the report's note says how far the held-out loss sits
 * above the training loss, and names an arm whose held-out loss rose by more than the margin over the last tenth while
 * its training loss fell: the textbook sign of over-fitting (not a verdict).
 */
import { METRICS } from '../metrics';
import { curveOf } from './curves';
import { lastTenthChange } from './settling';
import type { MetricRecord } from './runner';

/** One arm's generalisation gap at the end of the run (means over `seeds`, nats per image token). */
export interface FitGap {
  arm: string;
  seeds: number;
  /** Held-out image loss at the last evaluation. */
  heldOut: number;
  /** Training image loss: the mean over the last 10% of the steps. */
  train: number;
  /** Held-out's change over the last 10% of the tokens (positive: rose). */
  heldOutChange: number;
  /** Training's change: mean over the last 10% of the steps − mean over the 10% before (negative: fell). */
  trainChange: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The gap of each of `arms` that has a held-out image curve of ≥ 2 evaluations and training losses over its last 20%
 * of steps, per seed; arms without such a seed are left out.
 */
export function fitGaps(records: MetricRecord[], arms: readonly string[]): FitGap[] {
  const out: FitGap[] = [];
  for (const arm of arms) {
    const perSeed: Omit<FitGap, 'arm' | 'seeds'>[] = [];
    for (const seed of [...new Set(records.filter((r) => r.arm === arm).map((r) => r.seed))]) {
      const held = curveOf(records, arm, seed, METRICS.valImageLoss);
      const heldOutChange = lastTenthChange(held);
      if (heldOutChange === null) continue;
      const last = held[held.length - 1];
      const train = curveOf(records, arm, seed, METRICS.trainImageLoss).filter((p) => p.step <= last.step);
      const tail = train.filter((p) => p.step > 0.9 * last.step).map((p) => p.value);
      const before = train.filter((p) => p.step > 0.8 * last.step && p.step <= 0.9 * last.step).map((p) => p.value);
      if (!tail.length || !before.length) continue;
      perSeed.push({ heldOut: last.value, train: mean(tail), heldOutChange, trainChange: mean(tail) - mean(before) });
    }
    if (perSeed.length)
      out.push({
        arm,
        seeds: perSeed.length,
        heldOut: mean(perSeed.map((s) => s.heldOut)),
        train: mean(perSeed.map((s) => s.train)),
        heldOutChange: mean(perSeed.map((s) => s.heldOutChange)),
        trainChange: mean(perSeed.map((s) => s.trainChange)),
      });
  }
  return out;
}

/** The rule: held-out image loss rose by more than `margin` over the last tenth while the training loss fell. */
export const overfits = (g: FitGap, margin: number): boolean => g.heldOutChange > margin && g.trainChange < 0;

const f3 = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${f3(Math.abs(x))}`;

/**
 * The report's note: the passes over the training images (`epochs`, null when the report lacks the count), each arm's
 * held-out − training image loss at the end, and the arms over-fitting by the rule above at `margin`. Null without gaps.
 */
export function fitNote(gaps: FitGap[], epochs: number | null, margin: number): string | null {
  if (!gaps.length) return null;
  const parts = gaps.map((g) => `${g.arm} ${signed(g.heldOut - g.train)} (${f3(g.heldOut)} against ${f3(g.train)})`);
  const over = gaps.filter((g) => overfits(g, margin));
  const passes = epochs !== null ? `The run passed over its training images ${epochs.toFixed(1)} times. ` : '';
  return `${passes}Held-out − training image-token loss at the end (training: the mean over the last 10% of the steps; mean over seeds): ${parts.join(', ')}. ${
    over.length
      ? `Over-fitting: ${over.map((g) => `${g.arm}'s held-out image loss rose by ${f3(g.heldOutChange)} over the last 10% of the tokens while its training image loss fell by ${f3(-g.trainChange)}`).join('; ')} (the textbook sign of over-fitting the repeated training images).`
      : `No arm's held-out image loss rose by more than the ${margin}-nat margin over the last 10% of the tokens while its training loss fell.`
  }`;
}
