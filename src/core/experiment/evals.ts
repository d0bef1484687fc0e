// Held-out evaluation of one arm: caption- and image-token loss on validation sequences, the per-position image
// loss (an 8×8 heatmap), the image loss split into leak and within (below), and the loss on held-out ordinary English
// (in-domain and out-of-domain).
//   leak   = −log P(any image id) at image positions: probability the model puts on non-image ids;
//   within = −log P(right code | image id) = image loss − leak: how well it tells the codes apart.
import * as tf from '@tensorflow/tfjs';
import type { GPT } from '../nn/gpt';
import { meanNll } from '../nn/eval';
import { buildBatch, firstImagePosition, type SequenceSpec } from '../data/sequences';
import { codesOf, type ExperimentData } from './data';

export interface EvalResult {
  textLoss: number | null;
  imageLoss: number;
  /** Mean NLL over every position trained on (caption, image, <|boi|>, <|eoi|>): what training minimises. */
  loss: number;
  /** Mean −log P(any image id) over image positions, nats; imageLoss − imageLeak is the within-image part. */
  imageLeak: number;
  /** Mean image-token loss at each of the image positions (row-major grid). */
  imageLossByPosition: number[];
  englishLoss: number;
  englishOodLoss: number;
}

export async function evaluateArm(model: GPT, data: ExperimentData, spec: SequenceSpec, images: number, englishTokens: number, batch = 32): Promise<EvalResult> {
  const n = images > 0 ? Math.min(images, data.val.count) : data.val.count;
  const P = data.imageTokens;
  const first = firstImagePosition(spec);
  let textSum = 0, textN = 0, imageSum = 0, imageN = 0, lossSum = 0, lossN = 0, leakSum = 0;
  const byPos = new Float64Array(P);
  const { imageOffset, imageCodes } = data.plan;
  for (let start = 0; start < n; start += batch) {
    const idx = [...Array(Math.min(batch, n - start)).keys()].map((i) => i + start);
    const b = buildBatch(spec, idx.map((i) => data.val.captions[i]), idx.map((i) => codesOf(data.val, i, P)));
    const sums = tf.tidy(() => {
      const ids = tf.tensor2d(b.ids, [b.B, b.T], 'int32');
      const logits = tf.slice(model.logits(ids), [0, 0, 0], [b.B, b.T - 1, model.config.vocabSize]); // predictions of ids[1..]
      const lseAll = tf.logSumExp(logits, -1); // (B, T−1)
      const targets = tf.reshape(tf.slice(ids, [0, 1], [b.B, b.T - 1]), [-1]);
      const flat = tf.reshape(logits, [-1]);
      const picked = tf.reshape(tf.gather(flat, tf.add(tf.mul(tf.range(0, b.B * (b.T - 1), 1, 'int32'), tf.scalar(model.config.vocabSize, 'int32')), targets)), [b.B, b.T - 1]);
      const nll = tf.sub(lseAll, picked);
      const leak = tf.sub(lseAll, tf.logSumExp(tf.slice(logits, [0, 0, imageOffset], [b.B, b.T - 1, imageCodes]), -1));
      const text = tf.tensor2d(b.text, [b.B, b.T - 1]);
      const image = tf.tensor2d(b.image, [b.B, b.T - 1]);
      const imagePart = tf.mul(nll, image);
      return [tf.sum(tf.mul(nll, text)), tf.sum(imagePart), tf.sum(tf.slice(imagePart, [0, first - 1], [b.B, P]), 0), tf.sum(tf.mul(nll, tf.tensor2d(b.loss, [b.B, b.T - 1]))), tf.sum(tf.mul(leak, image))];
    });
    const [tv, iv, pv, lv, kv] = await Promise.all(sums.map((t) => t.data()));
    tf.dispose(sums);
    textSum += tv[0];
    imageSum += iv[0];
    lossSum += lv[0];
    leakSum += kv[0];
    for (let p = 0; p < P; p++) byPos[p] += pv[p];
    for (let k = 0; k < b.text.length; k++) {
      textN += b.text[k];
      imageN += b.image[k];
      lossN += b.loss[k];
    }
  }
  const cut = (ids: number[]) => (englishTokens > 0 ? ids.slice(0, englishTokens) : ids);
  return {
    textLoss: textN > 0 ? textSum / textN : null,
    imageLoss: imageSum / imageN,
    loss: lossSum / lossN,
    imageLeak: leakSum / imageN,
    imageLossByPosition: Array.from(byPos, (v) => v / n),
    englishLoss: (await meanNll(model, cut(data.english.heldout))).meanNll,
    englishOodLoss: (await meanNll(model, cut(data.english.ood))).meanNll,
  };
}
