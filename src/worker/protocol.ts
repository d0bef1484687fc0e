/**
 * The page ⇄ worker protocol: type-only tagged unions, imported by both sides. Commands carry an `id`; the events
 * that answer them carry the same `id`. Nothing here is a value, so the app bundle pulls in no tfjs.
 */
import type { BackendChoice } from '../core/backend';

export type { BackendChoice, BackendName, Refusal, RefusalReason, AdapterInfo } from '../core/backend';

export type WorkerCommand =
  /** Pick and start a backend. `backend` is the raw `?backend=` value (null or unknown: auto). */
  | { type: 'init'; id: number; backend: string | null }
  /** Train a small seeded GPT for `steps` steps on a fixed batch and report every loss: a correctness and speed probe. */
  | { type: 'self-test'; id: number; steps: number; seed: number };

export interface SelfTestResult {
  backend: string;
  /** Loss before each update. */
  losses: number[];
  /** Global gradient norm before clipping, per step. */
  gradNorms: number[];
  /** Wall time per step, including the read-back. */
  stepMs: number[];
  tokensPerStep: number;
  /** tf.memory().numTensors before and after the steps (equal when nothing leaks). */
  numTensorsBefore: number;
  numTensorsAfter: number;
  numBytes: number;
}

export type WorkerEvent =
  | { type: 'ready'; id: number; choice: BackendChoice; initMs: number }
  | { type: 'self-test'; id: number; result: SelfTestResult }
  | { type: 'error'; id: number | null; message: string };
