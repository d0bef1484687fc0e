/**
 * The right default for the device (issue 22 item 4): from the training speed measured here — the backend probe's
 * train step on the chosen backend (src/app/backend-probe.ts), or a run's own speed where this browser has one — the
 * biggest preset whose whole run (etaBefore, the app's one ETA model) reaches its verdict in about 15 minutes: the
 * lesson on a CPU, more seeds and steps where the device is fast; and one sentence saying so for the setup line.
 * Pure: no DOM, no tfjs. The controller applies it only where the user has chosen no preset and the link no setup.
 */
import { PRESETS, type ExperimentConfig } from '../core/experiment/config';
import { etaBefore, formatDuration, trainedPerSequence } from './eta';

/** The verdict a class waits for: about this long (s). */
export const TARGET_SECONDS = 15 * 60;
/** Candidates, smallest first: the lesson is the floor (it is the default on a CPU), then the larger setups. */
export const DEVICE_PRESETS = ['lesson', 'cpu', 'replication'] as const;

export interface DeviceDefault {
  preset: (typeof DEVICE_PRESETS)[number];
  /** etaBefore of that preset at the measured speed (s). */
  seconds: number;
  /** For the setup line: what was chosen and why. */
  sentence: string;
}

const LABEL: Record<DeviceDefault['preset'], string> = {
  lesson: 'the lesson',
  cpu: "the recorded run's setup",
  replication: 'the replication',
};

/** The probe's step (ms for `rows` sequences) as trained tokens per second of the lesson's sequences. */
export function probeTokensPerSecond(stepMs: number, rows: number, cfg: ExperimentConfig = PRESETS.lesson): number {
  if (!(Number.isFinite(stepMs) && stepMs > 0)) throw new Error(`step time must be > 0 ms, got ${stepMs}`);
  if (!(Number.isInteger(rows) && rows > 0)) throw new Error(`rows must be a positive integer, got ${rows}`);
  return (rows * trainedPerSequence(cfg)) / (stepMs / 1000);
}

/**
 * `tokensPerSecond`: trained tokens per second measured here; `source` says where from (e.g. "wasm, the backend
 * probe"). Returns the largest of DEVICE_PRESETS whose etaBefore fits TARGET_SECONDS, else the lesson (the smallest
 * setup with a verdict), with the sentence. Errors: throws on a non-positive or non-finite speed.
 */
export function deviceDefault(tokensPerSecond: number, source: string, presets = PRESETS): DeviceDefault {
  if (!(Number.isFinite(tokensPerSecond) && tokensPerSecond > 0))
    throw new Error(`deviceDefault: the speed must be > 0 tokens/s, got ${tokensPerSecond}`);
  const costed = DEVICE_PRESETS.map((name) => ({
    name,
    cfg: presets[name],
    s: etaBefore(presets[name], tokensPerSecond),
  }));
  const fits = costed.filter((c) => c.s <= TARGET_SECONDS);
  const pick = fits.length > 0 ? fits[fits.length - 1] : costed[0];
  const next = costed[costed.indexOf(pick) + 1];
  const stepMs = ((pick.cfg.batchSize * trainedPerSequence(pick.cfg)) / tokensPerSecond) * 1000;
  const step = `one train step of ${pick.cfg.batchSize} sequences takes about ${formatMs(stepMs)} here (${source})`;
  const minutes = `${TARGET_SECONDS / 60} min`;
  const why =
    fits.length === 0
      ? `so even ${LABEL.lesson}, the smallest setup with a verdict, takes longer than ${minutes}`
      : `so ${LABEL[pick.name]} is the largest setup that reaches its verdict in about ${minutes}` +
        (next ? `; ${LABEL[next.name]} would take ${formatDuration(next.s)}` : '');
  return { preset: pick.name, seconds: pick.s, sentence: `Chosen for this device: ${step}, ${why}.` };
}

const formatMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
