// Which metric records a resumed experiment keeps (pure, no tfjs: the page, the worker and the CLI share it).
import type { ExperimentRunner, MetricRecord } from './runner';

/** Checkpointed step per run key ("arm/seed") of the runs a runner has restored (a run still at step 0 has none). */
export function restoredSteps(runner: ExperimentRunner): Record<string, number> {
  return Object.fromEntries(runner.runs.filter((r) => r.step > 0).map((r) => [`${r.arm.name}/${r.seed}`, r.step]));
}

/** The records a resumed experiment keeps: each run's up to its checkpointed step; the rest (and every record of a run without a checkpoint) is redone. */
export function recordsToResume(records: MetricRecord[], checkpoints: Record<string, number>): MetricRecord[] {
  return records.filter((r) => r.step <= (checkpoints[`${r.arm}/${r.seed}`] ?? -1));
}
