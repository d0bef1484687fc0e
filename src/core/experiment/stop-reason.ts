// Why a run's records end before the others' (pure, no tfjs): the report says "NaN/Inf" only when that is what the
// run recorded — a stop message of the lifecycle naming the run (report meta.stopped) or a non-finite training loss
// in its records — and otherwise that its records simply end there (a run stopped with --stop-at, killed, or
// records lost), so a missing record is never turned into a divergence that did not happen.
import { isTrainingLoss } from './metrics-csv';
import type { MetricRecord } from './runner';

/**
 * A function from a run's label ("pretrained seed 0 …", curves.ts seedPairs' `short`) to the reason its curve is short:
 * "NaN/Inf" when `stopped` (report meta.stopped: the runner's messages "arm A, seed S: …") names it or one of its
 * training losses is not finite, else "its records end there: the run is incomplete".
 */
export function stopReason(records: MetricRecord[], stopped: unknown): (run: string) => string {
  const messages = Array.isArray(stopped) ? stopped.filter((s): s is string => typeof s === 'string') : [];
  const diverged = new Set(
    records.filter((r) => isTrainingLoss(r.metric) && !Number.isFinite(r.value)).map((r) => `${r.arm}/${r.seed}`),
  );
  return (run) => {
    const m = /^(\S+) seed (\d+)/.exec(run);
    if (!m) return 'NaN/Inf';
    const [, arm, seed] = m;
    return diverged.has(`${arm}/${seed}`) || messages.some((s) => s.startsWith(`arm ${arm}, seed ${seed}:`))
      ? 'NaN/Inf'
      : 'its records end there: the run is incomplete';
  };
}
