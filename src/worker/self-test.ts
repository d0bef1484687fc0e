// A seeded GPT training probe that runs identically on every backend, so the page can compare backends and time steps.
import * as tf from '../core/tf';
import { GPT, type GPTConfig } from '../core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../core/nn/optim';
import { readStep, trainStep } from '../core/nn/train';
import { Rng } from '../core/nn/init';
import type { SelfTestResult } from './protocol';

export const SELF_TEST_CONFIG: GPTConfig = {
  vocabSize: 96,
  nPositions: 32,
  nEmbd: 32,
  nLayer: 2,
  nHead: 4,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.02,
};
const BATCH = 8;

export async function runSelfTest(steps: number, seed: number): Promise<SelfTestResult> {
  const backend = tf.getBackend();
  const c = SELF_TEST_CONFIG;
  const model = new GPT(c, seed, `selftest${seed}-${Date.now()}`);
  const opt = new AdamW(model.params, { ...DEFAULT_ADAMW, lr: 3e-3, warmupSteps: 0, totalSteps: steps });
  const rng = new Rng(seed + 1);
  const ids = tf.tensor2d(
    Array.from({ length: BATCH }, () => Array.from({ length: c.nPositions }, () => rng.int(c.vocabSize))),
    [BATCH, c.nPositions],
    'int32',
  );
  const result: SelfTestResult = {
    backend,
    losses: [],
    gradNorms: [],
    stepMs: [],
    tokensPerStep: BATCH * c.nPositions,
    numTensorsBefore: 0,
    numTensorsAfter: 0,
    numBytes: 0,
  };
  try {
    result.numTensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const r = await readStep(trainStep(opt, () => tf.mean(model.nll(ids)) as tf.Scalar));
      result.stepMs.push(performance.now() - t0);
      result.losses.push(r.loss);
      result.gradNorms.push(r.gradNorm);
    }
    result.numTensorsAfter = tf.memory().numTensors;
    result.numBytes = tf.memory().numBytes;
  } finally {
    ids.dispose();
    opt.dispose();
    model.dispose();
  }
  return result;
}
