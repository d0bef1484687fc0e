// Metric records of a made-up run whose truth is known: each arm's held-out curves are given functions of the
// training tokens, plus seeded Gaussian noise per seed and evaluation, so the verdict rules can be checked on them.
import { Rng } from '../../../src/core/nn/init';
import { METRICS } from '../../../src/core/metrics';
import type { MetricRecord } from '../../../src/core/experiment/runner';

/** A curve: the value at a fraction x ∈ [0, 1] of the run (noise is added separately). */
export type Curve = (x: number) => number;

export interface ArmCurves {
  image: Curve;
  caption?: Curve;
  /** English loss over text ids (the forgetting figure); full softmax is this plus `imageLeak`. */
  english: Curve;
  /** Extra full-softmax loss from probability on image ids. */
  imageLeak?: Curve;
}

export interface SyntheticRun {
  seeds: number;
  steps: number;
  evalEvery: number;
  tokensPerStep: number;
  /** Gaussian noise sd added to each evaluated value (nats). */
  noise: number;
  arms: Record<string, ArmCurves>;
  /** Stop one run early, as a NaN would: its evaluations end at `step`. */
  stop?: { arm: string; seed: number; step: number };
  /** Leave out the text-ids English metrics (a metrics.csv recorded before they existed). */
  oldKeys?: boolean;
}

/** The image-loss curve most tests share: from 10 nats down towards 4.7, like the recorded cpu run. */
export const baseImage: Curve = (x) => 4.7 + 5.3 * Math.exp(-6 * x);
export const baseCaption: Curve = (x) => 1.6 + 6 * Math.exp(-8 * x);

export function syntheticRecords(run: SyntheticRun, noiseSeed = 7): MetricRecord[] {
  const rng = new Rng(noiseSeed);
  const out: MetricRecord[] = [];
  const steps = [0];
  for (let s = run.evalEvery; s < run.steps; s += run.evalEvery) steps.push(s);
  steps.push(run.steps);
  for (let seed = 0; seed < run.seeds; seed++) {
    // Tokens per step differ a little between seeds (caption lengths), never between the arms of a seed.
    const perStep = run.tokensPerStep + 7 * seed;
    for (const [arm, c] of Object.entries(run.arms)) {
      for (const step of steps) {
        if (run.stop && run.stop.arm === arm && run.stop.seed === seed && step > run.stop.step) break;
        const x = step / run.steps;
        const rec = (metric: string, value: number) =>
          out.push({ arm, seed, step, tokens: step * perStep, metric, value: value + run.noise * rng.normal() });
        rec(METRICS.valImageLoss, c.image(x));
        if (c.caption) rec(METRICS.valTextLoss, c.caption(x));
        const en = c.english(x);
        const leak = c.imageLeak?.(x) ?? 0;
        rec(METRICS.valEnglishLoss, en + leak);
        rec(METRICS.valEnglishOodLoss, en + 1 + leak);
        if (!run.oldKeys) {
          rec(METRICS.valEnglishLossTextIds, en);
          rec(METRICS.valEnglishOodLossTextIds, en + 1);
        }
      }
    }
  }
  return out;
}
