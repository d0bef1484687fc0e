/**
 * The right default for the device (issue 22 item 4): from the train-step time the backend probe measured on the
 * chosen backend, the biggest preset whose whole run (etaBefore, the app's one ETA model) fits in about 15 minutes
 * here — the lesson on a CPU, more seeds and steps where the device is fast — and one sentence saying so for the
 * setup line. Pure: no DOM, no tfjs. A user's explicit preset (URL or form) is the caller's to honour over this.
 */
import { PRESETS, type ExperimentConfig } from '../core/experiment/config';
import { etaBefore, formatDuration, trainedPerSequence } from './eta';

/** The verdict a class waits for: about this long (s). */
export const TARGET_SECONDS = 15 * 60;
/** Candidates, smallest first: the lesson is the floor (it is the default on a CPU), then the larger setups. */
export const DEVICE_PRESETS = ['lesson', 'cpu', 'replication'] as const;

export interface DeviceDefault {
  preset: (typeof DEVICE_PRESETS)[number];
  /** etaBefore of that preset at the probed speed (s). */
  seconds: number;
  /** For the setup line, e.g. "Lesson preset: one train step takes 180 ms here, so …". */
  sentence: string;
}

/**
 * `stepMs`: the probe's median train-step time (ms) for `rows` sequences of the session's shape on the chosen
 * backend. Speed is taken as trained tokens per second (rows × trained ids per sequence / step time), so a preset
 * with a larger batch is costed at proportionally longer steps. Errors: throws on a non-positive or non-finite stepMs
 * or rows.
 */
export function deviceDefault(stepMs: number, rows: number, presets = PRESETS): DeviceDefault {
  if (!(Number.isFinite(stepMs) && stepMs > 0))
    throw new Error(`deviceDefault: step time must be > 0 ms, got ${stepMs}`);
  if (!(Number.isInteger(rows) && rows > 0))
    throw new Error(`deviceDefault: rows must be a positive integer, got ${rows}`);
  const lesson = presets.lesson;
  const tokensPerSecond = (rows * trainedPerSequence(lesson)) / (stepMs / 1000);
  const costed = DEVICE_PRESETS.map((name) => ({
    name,
    cfg: presets[name],
    s: etaBefore(presets[name], tokensPerSecond),
  }));
  const fits = costed.filter((c) => c.s <= TARGET_SECONDS);
  const pick = fits.length > 0 ? fits[fits.length - 1] : costed[0];
  const stepAtBatch = (stepMs * pick.cfg.batchSize) / rows;
  const runs = (c: ExperimentConfig) => c.arms.length * c.seeds;
  const label = pick.name === 'cpu' ? 'Recorded-run' : pick.name[0].toUpperCase() + pick.name.slice(1);
  const sentence =
    `${label} preset: one train step of ${pick.cfg.batchSize} takes about ${Math.round(stepAtBatch)} ms here, so its ` +
    `${runs(pick.cfg)} runs of ${pick.cfg.steps} steps finish in about ${formatDuration(pick.s)}` +
    (fits.length === 0
      ? ` (longer than ${TARGET_SECONDS / 60} min, but the lesson is the smallest setup with a verdict)`
      : '') +
    '.';
  return { preset: pick.name, seconds: pick.s, sentence };
}
