/**
 * The caption analysis (extras.ts `analyse`) is a pure function of the setup — the training and validation captions,
 * the image codes, the English stream, the pre-training corpus, the pre-trained LM's weights and the caption-LM
 * settings — and not of any run, yet it trains a scratch caption LM every time (the costliest finishing phase: 280 s
 * of the lesson's 513 s here, issue 22 item 3). This keys its result by a SHA-256 of every input it reads, so a store
 * (a folder in Node, memory in the page) can hand back the same Analysis for the same setup instead of recomputing
 * it. Any input that changes the result changes the key (tests/unit/analysis-cache.test.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ExperimentConfig } from './config';
import type { ExperimentData } from './data';
import { paramsDigest } from './fingerprint-inputs';
import * as tf from '../tf';

/** Bump when `analyse` changes what it computes from the same inputs: old entries then miss. */
export const ANALYSIS_CACHE_VERSION = 1;

/**
 * Where the finish's cached results (JSON values: the caption analysis, the trained quality classifier) live, by
 * key: `get` answers null on a miss (or an unreadable entry), `put` may fail silently (it only costs time).
 */
export interface FinishCache {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
}

const bytes = (a: Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Hex SHA-256 over everything `analyse(cfg, data, lm, corpus)` reads: the version above, the tfjs backend (its
 * float results differ in the last bits), cfg.captionBudget and
 * cfg.captionLmSteps, the special ids and image tokens per image, the training codes, captions (ids and text), the
 * validation captions, the English training stream, the corpus text, and the LM's parameters and vocabulary size.
 */
export async function analysisKey(
  cfg: Pick<ExperimentConfig, 'captionBudget' | 'captionLmSteps'>,
  data: ExperimentData,
  lm: { params: ReadonlyMap<string, tf.Variable>; config: { vocabSize: number } },
  corpusText: string,
): Promise<string> {
  const h = sha256.create();
  h.update(
    utf8ToBytes(
      JSON.stringify([
        ANALYSIS_CACHE_VERSION,
        tf.getBackend(),
        cfg.captionBudget,
        cfg.captionLmSteps,
        data.plan.special,
        data.imageTokens,
        data.train.count,
        lm.config.vocabSize,
        await paramsDigest(lm.params),
      ]),
    ),
  );
  h.update(bytes(data.train.codes));
  h.update(bytes(data.english.train));
  h.update(utf8ToBytes(JSON.stringify([data.train.captions, data.train.text, data.val.captions])));
  h.update(utf8ToBytes(corpusText));
  return bytesToHex(h.digest());
}

/** A cache held in memory (the page's worker keeps one for its lifetime: a second run of the same setup reuses it). */
export class MemoryFinishCache implements FinishCache {
  private readonly entries = new Map<string, string>();
  async get(key: string): Promise<unknown> {
    const s = this.entries.get(key);
    return s ? JSON.parse(s) : null;
  }
  async put(key: string, value: unknown): Promise<void> {
    this.entries.set(key, JSON.stringify(value));
  }
}

/** Bump when the quality classifier or its training changes: old entries then miss. */
export const CLASSIFIER_CACHE_VERSION = 1;

/** What the trained quality classifier leaves behind: its weights and its predictions on the real validation images. */
export interface TrainedClassifier {
  /** Parameter name → float32 values (exact as JSON numbers). */
  params: Record<string, number[]>;
  realClasses: number[];
  realFeatures: number[];
}

/**
 * Hex SHA-256 over everything the quality classifier's training and its real-image predictions read: the version,
 * the backend, the classes, the steps, the image size and counts, the training and validation pixels (float32
 * bytes) and the training labels. The generated images are not in it: they are judged afresh every run.
 */
export function classifierKey(
  real: { train: Float32Array; trainCount: number; val: Float32Array; valCount: number; size: number },
  trainLabels: readonly string[],
  steps: number,
): string {
  const h = sha256.create();
  const f32 = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  h.update(
    utf8ToBytes(
      JSON.stringify([
        CLASSIFIER_CACHE_VERSION,
        tf.getBackend(),
        steps,
        real.size,
        real.trainCount,
        real.valCount,
        trainLabels,
      ]),
    ),
  );
  h.update(f32(real.train));
  h.update(f32(real.val));
  return bytesToHex(h.digest());
}
