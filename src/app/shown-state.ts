/**
 * What the page shows of a run that its records and report do not hold — the latest per-position heatmap and the
 * latest evaluation's samples — kept in IndexedDB beside the run (persist.ts's run values), so a reload shows them
 * again instead of "appears at the first evaluation". Written at each evaluation (a few kB); read once at restore.
 */
import { getRunValue, setRunValue } from '../browser/persist';
import type { SampleSet } from '../worker/protocol';

export interface ShownState {
  heatmap: { step: number; byArm: Record<string, number[]> } | null;
  live: SampleSet | null;
}

/** Keep the shown state of run `runId`; a failed write only loses the restore of these pictures (said by the caller). */
export async function saveShown(runId: string, shown: ShownState): Promise<void> {
  await setRunValue(runId, 'shown', shown);
}

/** The shown state saved for `runId`, or null when there is none (or it is not of this shape). */
export async function loadShown(runId: string): Promise<ShownState | null> {
  const v = (await getRunValue(runId, 'shown')) as Partial<ShownState> | null;
  if (!v || typeof v !== 'object') return null;
  return { heatmap: v.heatmap ?? null, live: v.live ?? null };
}
