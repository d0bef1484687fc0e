// Held-out evaluation of one arm: caption- and image-token loss on validation sequences, the per-position image
// loss (an 8×8 heatmap), and the loss on held-out ordinary English (in-domain and out-of-domain).
import * as tf from '@tensorflow/tfjs';
import type { GPT } from '../nn/gpt';
import { meanNll } from '../nn/eval';
import { buildBatch, firstImagePosition, type SequenceSpec } from '../data/sequences';
import { codesOf, type ExperimentData } from './data';

export interface EvalResult {
  textLoss: number | null;
  imageLoss: number;
  /** Mean image-token loss at each of the image positions (row-major grid). */
  imageLossByPosition: number[];
  englishLoss: number;
  englishOodLoss: number;
}

export async function evaluateArm(model: GPT, data: ExperimentData, spec: SequenceSpec, images: number, englishTokens: number, batch = 32): Promise<EvalResult> {
  const n = images > 0 ? Math.min(images, data.val.count) : data.val.count;
  const P = data.imageTokens;
  const first = firstImagePosition(spec);
  let textSum = 0, textN = 0, imageSum = 0, imageN = 0;
  const byPos = new Float64Array(P);
  for (let start = 0; start < n; start += batch) {
    const idx = [...Array(Math.min(batch, n - start)).keys()].map((i) => i + start);
    const b = buildBatch(spec, idx.map((i) => data.val.captions[i]), idx.map((i) => codesOf(data.val, i, P)));
    const [ts, is, pos] = tf.tidy(() => {
      const nll = model.nll(tf.tensor2d(b.ids, [b.B, b.T], 'int32'));
      const text = tf.tensor2d(b.text, [b.B, b.T - 1]);
      const image = tf.tensor2d(b.image, [b.B, b.T - 1]);
      const imagePart = tf.mul(nll, image);
      return [tf.sum(tf.mul(nll, text)), tf.sum(imagePart), tf.sum(tf.slice(imagePart, [0, first - 1], [b.B, P]), 0)];
    });
    const [tv, iv, pv] = await Promise.all([ts.data(), is.data(), pos.data()]);
    tf.dispose([ts, is, pos]);
    textSum += tv[0];
    imageSum += iv[0];
    for (let p = 0; p < P; p++) byPos[p] += pv[p];
    for (let k = 0; k < b.text.length; k++) {
      textN += b.text[k];
      imageN += b.image[k];
    }
  }
  const cut = (ids: number[]) => (englishTokens > 0 ? ids.slice(0, englishTokens) : ids);
  return {
    textLoss: textN > 0 ? textSum / textN : null,
    imageLoss: imageSum / imageN,
    imageLossByPosition: Array.from(byPos, (v) => v / n),
    englishLoss: (await meanNll(model, cut(data.english.heldout))).meanNll,
    englishOodLoss: (await meanNll(model, cut(data.english.ood))).meanNll,
  };
}
