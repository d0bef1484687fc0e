/**
 * Are captions simple? (docs/paper.md, explanation 2.) A small GPT trained from scratch on the training captions alone
 * is compared with the pre-trained LM, zero-shot, on the perplexity of held-out captions. Sequences are
 * `<|bos|> caption <|pad|>…`; only caption tokens are scored.
 */
import * as tf from '../tf';
import { GPT, type GPTConfig } from '../nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../nn/optim';
import { trainStep } from '../nn/train';
import { maskedMean } from '../nn/ops';
import { batchOrder } from '../data/corpus';

function pack(captions: number[][], budget: number, bos: number, pad: number) {
  const T = budget + 1;
  const ids = new Int32Array(captions.length * T).fill(pad);
  const mask = new Float32Array(captions.length * (T - 1));
  captions.forEach((c, i) => {
    const kept = c.slice(0, budget);
    ids[i * T] = bos;
    ids.set(kept, i * T + 1);
    mask.fill(1, i * (T - 1), i * (T - 1) + kept.length);
  });
  return { ids, mask, T };
}

/** Mean NLL (nats) of caption tokens under `model`. */
export async function captionNll(
  model: GPT,
  captions: number[][],
  budget: number,
  bos: number,
  pad: number,
  batch = 64,
): Promise<number> {
  let sum = 0;
  let n = 0;
  for (let s = 0; s < captions.length; s += batch) {
    const { ids, mask, T } = pack(captions.slice(s, s + batch), budget, bos, pad);
    const B = ids.length / T;
    const t = tf.tidy(() =>
      tf.sum(tf.mul(model.nll(tf.tensor2d(ids, [B, T], 'int32')), tf.tensor2d(mask, [B, T - 1]))),
    );
    sum += (await t.data())[0];
    t.dispose();
    n += mask.reduce((a, b) => a + b, 0);
  }
  return sum / n;
}

/** Train a small scratch GPT on captions only; returns it (the caller disposes). */
export async function trainCaptionLM(
  captions: number[][],
  vocab: number,
  budget: number,
  bos: number,
  pad: number,
  steps: number,
  seed = 0,
): Promise<GPT> {
  const config: GPTConfig = {
    vocabSize: vocab,
    nPositions: budget + 1,
    nEmbd: 64,
    nLayer: 2,
    nHead: 4,
    layerNormEps: 1e-5,
    tieEmbeddings: true,
    initStd: 0.02,
  };
  const model = new GPT(config, seed, `caption-lm-${Math.random().toString(36).slice(2, 8)}`);
  const opt = new AdamW(model.params, {
    ...DEFAULT_ADAMW,
    lr: 3e-3,
    warmupSteps: Math.min(20, steps),
    totalSteps: steps,
  });
  const order = batchOrder([...captions.keys()], Math.min(32, captions.length), seed);
  for (let s = 0; s < steps; s++) {
    const { ids, mask, T } = pack(
      (order.next().value as number[]).map((i) => captions[i]),
      budget,
      bos,
      pad,
    );
    const B = ids.length / T;
    const x = tf.tensor2d(ids, [B, T], 'int32');
    const m = tf.tensor2d(mask, [B, T - 1]);
    const r = trainStep(opt, () => maskedMean(model.nll(x), m));
    tf.dispose([x, m, r.loss, r.gradNorm]);
  }
  opt.dispose();
  return model;
}
