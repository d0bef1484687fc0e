/**
 * The page ⇄ worker protocol: type-only tagged unions, imported by both sides. Commands carry an `id`; the event
 * that answers a command carries the same `id` (`ack` when there is nothing else to say). Long work (an experiment,
 * tokenizer training) answers at once and then streams events with `id: null`: batched `metrics`, `status`,
 * `checkpoint`, `samples`, `report`. Nothing here is a value, so the app bundle pulls in no tfjs.
 */
import type { AdapterInfo, BackendChoice, BackendName } from '../core/backend';
import type { ProbeFacts, ProbeFigure, ProbeShape } from '../core/backend-probe';
import type { ExperimentConfig } from '../core/experiment/config';
import type { MetricRecord } from '../core/experiment/runner';
import type { Report } from '../core/experiment/report';
import type { Analysis, Quality } from '../core/experiment/extras';
import type { Problem } from '../core/data/byod';
import type { CaptionLevel } from '../core/data/captions';
import type { LmShape, MemoryLimit } from '../core/experiment/memory';
import type { SetupIdentity } from '../core/experiment/fingerprint';

export type { BackendChoice, BackendName, Refusal, RefusalReason, AdapterInfo } from '../core/backend';
export type { ExperimentConfig, MetricRecord, Report, Analysis, Quality, Problem, CaptionLevel, LmShape, MemoryLimit };

/** Which images a run uses, by name (what the page keeps in its store and with a saved run). */
export type DatasetChoice = { kind: 'emoji'; style: 'twemoji' | 'noto' } | { kind: 'byod'; name: string };
/** Which pre-trained LM, by name: the shipped one, or a GPT-2-layout folder the user picked. */
export type LmChoice = { kind: 'shipped' } | { kind: 'files'; name: string };

/** A dataset choice with its bytes, as the worker needs it. */
export type DatasetSpec =
  Extract<DatasetChoice, { kind: 'emoji' }> | (Extract<DatasetChoice, { kind: 'byod' }> & { zip: Uint8Array });
/** An LM choice with its files (by name), as the worker needs it. */
export type LmSpec =
  Extract<LmChoice, { kind: 'shipped' }> | (Extract<LmChoice, { kind: 'files' }> & { files: [string, Uint8Array][] });

/** To the backend probe's worker (probe.worker.ts): time one backend on the probe's model shape. */
export type ProbeCommand = { type: 'probe'; backend: BackendName; shape: ProbeShape };
/** From it: its modules are loaded (the deadline starts), then one figure per command. */
export type ProbeEvent = { type: 'loaded' } | { type: 'figure'; figure: ProbeFigure };

export type WorkerCommand =
  /** Pick and start a backend. `backend` is the raw `?backend=` value (null or unknown: auto). */
  | { type: 'init'; id: number; backend: string | null }
  /** What the platform offers (adapter, WebGL renderer, wasm threads), read before init: the probe cache's key. */
  | { type: 'facts'; id: number }
  /** Train a small seeded GPT for `steps` steps on a fixed batch and report every loss: a correctness and speed probe. */
  | { type: 'self-test'; id: number; steps: number; seed: number }
  /** Load a dataset and answer with its summary, problems and a preview grid at a caption level. */
  | { type: 'load-data'; id: number; dataset: DatasetSpec; level: CaptionLevel; preview: number }
  /** Train a VQ tokenizer in the page on the loaded dataset (streams `vq-progress`), or stop one. */
  | { type: 'vq-train'; id: number; dataset: DatasetSpec; steps: number }
  | { type: 'vq-stop'; id: number }
  /**
   * Prepare an experiment and start stepping it (or leave it paused). The worker saves its metrics, checkpoints and
   * report under `runId` in IndexedDB; with `resume` it first restores each run from its saved checkpoint.
   */
  | {
      type: 'start';
      id: number;
      runId: string;
      config: ExperimentConfig;
      dataset: DatasetSpec;
      lm: LmSpec;
      paused: boolean;
      resume: boolean;
      logEvery: number;
    }
  | { type: 'pause'; id: number }
  /** Go on stepping after a pause (or after a start left paused). Resuming a stopped experiment is `start` with `resume`. */
  | { type: 'play'; id: number }
  /** One round (every run one step) while paused. */
  | { type: 'step'; id: number }
  /** Stop and free the experiment. */
  | { type: 'reset'; id: number }
  /** Change what can change mid-run (the logging interval; the rest needs a reset). */
  | { type: 'set-config'; id: number; logEvery: number }
  /** Destroy the WebGPU device, as a driver reset would: shows the page's fallback (the Self-test card's button). */
  | { type: 'lose-device'; id: number }
  /** Read an LM (shipped or picked) as a run would, and answer with its shape: a picked folder is checked at once. */
  | { type: 'lm-info'; id: number; lm: LmSpec }
  /** A fault drill: make one running run's weights NaN (its next step stops the experiment, checkpoints kept). */
  | { type: 'inject-nan'; id: number }
  /** Caption → image for each arm (seed 0) of the current experiment. */
  | { type: 'sample'; id: number; caption: string; count: number; temperature: number }
  /** One run's current weights as a GPT-2-layout checkpoint (safetensors + config + tokenizer ids' plan). */
  | { type: 'export'; id: number; arm: string; seed: number };

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

/** An image as 8-bit RGBA, ready for ImageData. */
export interface Picture {
  size: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

export interface DataSummary {
  name: string;
  images: number;
  trainImages: number;
  valImages: number;
  problems: Problem[];
  refused: string | null;
  preview: { caption: string; picture: Picture }[];
}

export type RunPhase = 'idle' | 'preparing' | 'running' | 'paused' | 'finishing' | 'done' | 'failed';

export interface RunStatus {
  phase: RunPhase;
  /** What is happening, in words (never the phase's own name again). */
  message: string;
  /** While preparing: what is being counted, how many are done, of how many (null when nothing is counted). */
  progress: { what: string; done: number; total: number } | null;
  /** The furthest step of any run, and the total. */
  step: number;
  steps: number;
  runs: number;
  /** Steps left, summed over the runs still training. */
  stepsLeft: number;
  /** Training time of one run's step, ms (recent mean; evaluation and sampling excluded). */
  stepMs: number | null;
  /** Time of one evaluation round (every run's held-out losses and the live samples), ms (recent mean). */
  evalMs: number | null;
  evalEvery: number;
  /** Time spent saving checkpoints per run-step so far, ms (null before any step): the ETA counts it beside stepMs. */
  saveMsPerStep: number | null;
  /** Trained tokens (loss-masked) per second of training time: METRICS.tokensPerSecond's definition. */
  tokensPerSecond: number | null;
  numTensors: number;
  numBytes: number;
}

/** An LM as a run would use it: its shape and parameters, and which tokenizer files it has. */
export interface LmInfo {
  name: string;
  shape: LmShape;
  params: number;
  tokenizer: string;
}

export interface SampleSet {
  step: number;
  captions: string[];
  /** 'real' first (when known), then one row per arm. */
  rows: { name: string; pictures: Picture[] }[];
  custom: boolean;
}

export interface Finished {
  report: Report;
  /** The self-contained report.html. */
  html: string;
  analysis: Analysis;
  quality: Quality | null;
  imageLossByPosition: Record<string, number[]>;
}

export type WorkerEvent =
  /** The backend started; `memory` is what it can hold (null: unknown), for refusing setups too big before a run. */
  | { type: 'ready'; id: number; choice: BackendChoice; initMs: number; memory: MemoryLimit | null }
  | { type: 'facts'; id: number; facts: ProbeFacts; adapter: AdapterInfo | null }
  | { type: 'lm'; id: number; info: LmInfo }
  | { type: 'self-test'; id: number; result: SelfTestResult }
  | { type: 'ack'; id: number }
  | { type: 'data'; id: number; summary: DataSummary }
  | {
      type: 'vq-progress';
      id: null;
      step: number;
      steps: number;
      psnr: number;
      usage: number;
      perplexity: number;
      loss: number;
      originals: Picture[];
      reconstructions: Picture[];
      done: boolean;
    }
  | { type: 'status'; id: null; status: RunStatus }
  /** The prepared experiment's setup identity (its fingerprint, docs/class.md) and effective config, for result cards. */
  | { type: 'identity'; id: null; identity: SetupIdentity; config: ExperimentConfig }
  | { type: 'metrics'; id: null; records: MetricRecord[] }
  | { type: 'heatmap'; id: null; step: number; byArm: Record<string, number[]> }
  /** A run's checkpoint was saved (in IndexedDB) at this step. */
  | { type: 'checkpoint'; id: null; arm: string; seed: number; step: number }
  /** A resumed run kept these records (those up to its checkpoints); the page replaces its own with them. */
  | { type: 'records'; id: null; records: MetricRecord[] }
  | { type: 'samples'; id: number | null; samples: SampleSet }
  | { type: 'finished'; id: null; finished: Finished }
  | { type: 'export'; id: number; name: string; files: [string, Uint8Array][] }
  | { type: 'device-lost'; id: null; message: string }
  /**
   * A command's failure carries its id. Streamed failures (id null) say what they concern: the experiment, the
   * tokenizer being trained, or storage (a write to IndexedDB failed; training goes on).
   */
  | { type: 'error'; id: number; message: string }
  | { type: 'error'; id: null; scope: ErrorScope; message: string };

export type ErrorScope = 'experiment' | 'tokenizer' | 'storage' | 'worker';
