// Held-out evaluation of one arm: caption- and image-token loss on validation sequences, the per-position image
// loss (an 8×8 heatmap), the image loss split into leak and within (below), and the loss on held-out ordinary English
// (in-domain and out-of-domain) over the full softmax and with the softmax restricted to the LM's own text ids — and
// the metric records each result becomes.
//   leak   = −log P(any image id) at image positions: probability the model puts on non-image ids;
//   within = −log P(right code | image id) = image loss − leak: how well it tells the codes apart.
import * as tf from '../tf';
import type { GPT } from '../nn/gpt';
import { METRICS } from '../metrics';
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
  /** Mean image-token loss of each evaluated validation image, in the split's order (per-image.ts resamples them by concept). */
  imageLossByImage: number[];
  /** Held-out English (Persuasion), mean NLL over the full softmax (image ids included), nats per token. */
  englishLoss: number;
  englishOodLoss: number;
  /** The same with the softmax over ids [0, textVocab) only: probability on image ids is not counted as a loss. */
  englishLossTextIds: number;
  englishOodLossTextIds: number;
}

export interface EnglishLoss {
  /** Mean next-token NLL over the full softmax, nats. */
  full: number;
  /** Mean next-token NLL with the softmax restricted to ids [0, textVocab), nats. */
  textIds: number;
  predictions: number;
}

/**
 * Mean next-token NLL of a held-out id sequence over the full softmax and over the text ids only (logits of ids
 * ≥ textVocab masked out before the softmax), from one forward pass per window. Windows of the model's context
 * overlap by one id, so each id after the first is predicted exactly once (the context restarts at each window).
 * Throws when an id is outside [0, textVocab) or there are fewer than 2 ids.
 */
export async function englishLoss(model: GPT, ids: number[], textVocab: number, batch = 16): Promise<EnglishLoss> {
  if (ids.length < 2) throw new Error(`need at least 2 ids to predict one, got ${ids.length}`);
  const V = model.config.vocabSize;
  if (!(textVocab > 0 && textVocab <= V)) throw new Error(`textVocab ${textVocab} must be in [1, ${V}]`);
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= textVocab);
  if (bad >= 0)
    throw new Error(`English id ${ids[bad]} at position ${bad} is outside the text vocabulary [0, ${textVocab})`);
  const n = model.config.nPositions;
  const windows: number[][] = [];
  for (let start = 0; start < ids.length - 1; start += n - 1) windows.push(ids.slice(start, start + n));
  let full = 0,
    text = 0,
    count = 0;
  // Windows of equal length go through together (all but possibly the last).
  const groups = new Map<number, number[][]>();
  for (const w of windows) groups.set(w.length, [...(groups.get(w.length) ?? []), w]);
  for (const [L, ws] of groups)
    for (let i = 0; i < ws.length; i += batch) {
      const part = ws.slice(i, i + batch);
      const B = part.length;
      const [f, t] = tf.tidy(() => {
        const x = tf.tensor2d(part.flat(), [B, L], 'int32');
        const logits = tf.slice(model.logits(x), [0, 0, 0], [B, L - 1, V]);
        const targets = tf.slice(x, [0, 1], [B, L - 1]);
        const pick = (logp: tf.Tensor3D, width: number) =>
          tf.sum(tf.mul(logp, tf.cast(tf.oneHot(targets, width), 'float32')));
        return [
          tf.neg(pick(tf.logSoftmax(logits), V)),
          tf.neg(pick(tf.logSoftmax(tf.slice(logits, [0, 0, 0], [B, L - 1, textVocab])), textVocab)),
        ];
      });
      const [fv, tv] = await Promise.all([f.data(), t.data()]);
      tf.dispose([f, t]);
      full += fv[0];
      text += tv[0];
      count += B * (L - 1);
    }
  return { full: full / count, textIds: text / count, predictions: count };
}

export async function evaluateArm(
  model: GPT,
  data: ExperimentData,
  spec: SequenceSpec,
  images: number,
  englishTokens: number,
  batch = 32,
): Promise<EvalResult> {
  const n = images > 0 ? Math.min(images, data.val.count) : data.val.count;
  const P = data.imageTokens;
  const first = firstImagePosition(spec);
  let textSum = 0,
    textN = 0,
    imageSum = 0,
    imageN = 0,
    lossSum = 0,
    lossN = 0,
    leakSum = 0;
  const byPos = new Float64Array(P);
  const byImage: number[] = [];
  const { imageOffset, imageCodes } = data.plan;
  for (let start = 0; start < n; start += batch) {
    const idx = [...Array(Math.min(batch, n - start)).keys()].map((i) => i + start);
    const b = buildBatch(
      spec,
      idx.map((i) => data.val.captions[i]),
      idx.map((i) => codesOf(data.val, i, P)),
    );
    const sums = tf.tidy(() => {
      const ids = tf.tensor2d(b.ids, [b.B, b.T], 'int32');
      const logits = tf.slice(model.logits(ids), [0, 0, 0], [b.B, b.T - 1, model.config.vocabSize]); // predictions of ids[1..]
      const lseAll = tf.logSumExp(logits, -1); // (B, T−1)
      const targets = tf.reshape(tf.slice(ids, [0, 1], [b.B, b.T - 1]), [-1]);
      const flat = tf.reshape(logits, [-1]);
      const picked = tf.reshape(
        tf.gather(
          flat,
          tf.add(tf.mul(tf.range(0, b.B * (b.T - 1), 1, 'int32'), tf.scalar(model.config.vocabSize, 'int32')), targets),
        ),
        [b.B, b.T - 1],
      );
      const nll = tf.sub(lseAll, picked);
      const leak = tf.sub(lseAll, tf.logSumExp(tf.slice(logits, [0, 0, imageOffset], [b.B, b.T - 1, imageCodes]), -1));
      const text = tf.tensor2d(b.text, [b.B, b.T - 1]);
      const image = tf.tensor2d(b.image, [b.B, b.T - 1]);
      const imagePart = tf.mul(nll, image);
      return [
        tf.sum(tf.mul(nll, text)),
        tf.sum(imagePart),
        tf.sum(tf.slice(imagePart, [0, first - 1], [b.B, P]), 0),
        tf.sum(tf.mul(nll, tf.tensor2d(b.loss, [b.B, b.T - 1]))),
        tf.sum(tf.mul(leak, image)),
        tf.sum(imagePart, 1),
        tf.sum(image, 1),
      ];
    });
    const [tv, iv, pv, lv, kv, rv, rn] = await Promise.all(sums.map((t) => t.data()));
    tf.dispose(sums);
    textSum += tv[0];
    imageSum += iv[0];
    lossSum += lv[0];
    leakSum += kv[0];
    for (let p = 0; p < P; p++) byPos[p] += pv[p];
    for (let k = 0; k < b.B; k++) byImage.push(rv[k] / rn[k]);
    for (let k = 0; k < b.text.length; k++) {
      textN += b.text[k];
      imageN += b.image[k];
      lossN += b.loss[k];
    }
  }
  const cut = (ids: number[]) => (englishTokens > 0 ? ids.slice(0, englishTokens) : ids);
  const inDomain = await englishLoss(model, cut(data.english.heldout), data.plan.textVocab);
  const ood = await englishLoss(model, cut(data.english.ood), data.plan.textVocab);
  return {
    textLoss: textN > 0 ? textSum / textN : null,
    imageLoss: imageSum / imageN,
    loss: lossSum / lossN,
    imageLeak: leakSum / imageN,
    imageLossByPosition: Array.from(byPos, (v) => v / n),
    imageLossByImage: byImage,
    englishLoss: inDomain.full,
    englishOodLoss: ood.full,
    englishLossTextIds: inDomain.textIds,
    englishOodLossTextIds: ood.textIds,
  };
}

/** The metric records of one evaluation, as [key, value] (val/text_loss only when the arm has captions). */
export function evalMetrics(r: EvalResult): [string, number][] {
  const out: [string, number][] = [
    [METRICS.valImageLoss, r.imageLoss],
    [METRICS.valLoss, r.loss],
    [METRICS.diagImageLeak, r.imageLeak],
    [METRICS.diagImageWithin, r.imageLoss - r.imageLeak],
    [METRICS.valEnglishLoss, r.englishLoss],
    [METRICS.valEnglishOodLoss, r.englishOodLoss],
    [METRICS.valEnglishLossTextIds, r.englishLossTextIds],
    [METRICS.valEnglishOodLossTextIds, r.englishOodLossTextIds],
  ];
  if (r.textLoss !== null) out.push([METRICS.valTextLoss, r.textLoss]);
  return out;
}
