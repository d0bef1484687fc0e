/**
 * The curves' first point (step 0, the untrained models) without holding the first training step: before training
 * starts, each fresh run's weights are copied on the device (a few MB); after the first round has been drawn, the snapshots are evaluated by the runner's own evaluation as
 * step 0 with 0 tokens, exactly the records `evalFresh` would have made before the step.
 */
import * as tf from '../tf';
import { GPT } from '../nn/gpt';
import type { ExperimentRunner, MetricRecord, Run } from './runner';

export class StepZero {
  private constructor(private readonly copies: Map<Run, GPT>) {}

  /** Snapshots of every run that has neither stepped nor been evaluated (a resumed run has its step-0 point already). */
  static take(runner: ExperimentRunner): StepZero {
    const copies = new Map<Run, GPT>();
    for (const run of runner.runs) {
      if (run.step !== 0 || run.lastEval) continue;
      const copy = new GPT(run.model.config, 0, `${run.model.scope}-step0`);
      tf.tidy(() => {
        // x·1 is a new buffer with exactly x's values (a clone would share the buffer the optimizer may rewrite).
        for (const [name, v] of copy.params) v.assign(tf.mul(run.model.params.get(name)!, 1));
      });
      copies.set(run, copy);
    }
    return new StepZero(copies);
  }

  /** True while some snapshot waits to be evaluated. */
  get pending(): boolean {
    return this.copies.size > 0;
  }

  /** The untrained model of each snapshotted run (for step-0 samples); runs without one are absent. */
  get models(): ReadonlyMap<Run, GPT> {
    return this.copies;
  }

  /**
   * Evaluate every snapshot as step 0 (records with step 0 and 0 tokens). A run not yet evaluated since keeps the
   * step-0 result as its last evaluation (the heatmap). Snapshots stay until `dispose`.
   */
  async evaluate(runner: ExperimentRunner): Promise<MetricRecord[]> {
    const out: MetricRecord[] = [];
    for (const [run, model] of this.copies) {
      const untrained: Run = { ...run, model, step: 0, tokens: 0, lastEval: null };
      out.push(...(await runner.evalRun(untrained)));
      run.lastEval ??= untrained.lastEval;
    }
    return out;
  }

  dispose(): void {
    for (const m of this.copies.values()) m.dispose();
    this.copies.clear();
  }
}
