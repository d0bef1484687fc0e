/**
 * The `aligned` initialisation of the image-token rows (the paper's "contrastive alignment"): image-token
 * embeddings are learnt so that an image's bag of codes (the mean of its code embeddings) lands near its caption's
 * bag of words (the mean of the LM's frozen text embeddings), with a symmetric InfoNCE loss over each batch
 * (temperature 0.07, as CLIP). The learnt rows are rescaled to the std of the text rows.
 */
import * as tf from '../tf';
import { Rng, deriveSeed, normalArray } from '../nn/init';
import { mm } from '../nn/ops';
import { AdamW, DEFAULT_ADAMW } from '../nn/optim';
import { batchOrder } from '../data/corpus';

export interface AlignOptions {
  steps: number;
  batch: number;
  lr: number;
  temperature: number;
  seed: number;
}

export const DEFAULT_ALIGN: AlignOptions = { steps: 200, batch: 64, lr: 1e-2, temperature: 0.07, seed: 0 };

/**
 * Rows [K, d] for the image codes. `textRows` [V, d] is the LM's embedding (row-major); `captions` are text ids and `codes`
 * [n × P] the image codes of the same n training pairs. Returns the rows and the final contrastive loss.
 */
export async function alignImageRows(
  textRows: Float32Array,
  d: number,
  captions: number[][],
  codes: Int32Array,
  P: number,
  K: number,
  opts: AlignOptions = DEFAULT_ALIGN,
): Promise<{ rows: Float32Array; loss: number }> {
  const n = captions.length;
  let mean = 0;
  for (const v of textRows) mean += v / textRows.length;
  let sd = 0;
  for (const v of textRows) sd += (v - mean) ** 2 / textRows.length;
  sd = Math.sqrt(sd);
  // Fixed caption vectors: bag-of-words means of the frozen text embedding.
  const capVec = new Float32Array(n * d);
  captions.forEach((c, i) => {
    for (const id of c) for (let j = 0; j < d; j++) capVec[i * d + j] += textRows[id * d + j] / Math.max(1, c.length);
  });
  // Code histograms per image, normalised: [n, K].
  const hist = new Float32Array(n * K);
  for (let i = 0; i < n; i++) for (let p = 0; p < P; p++) hist[i * K + codes[i * P + p]] += 1 / P;
  const X = tf.tidy(() =>
    tf.variable(
      tf.tensor2d(normalArray(new Rng(deriveSeed(opts.seed, 'align')), K * d, sd), [K, d]),
      true,
      `align-${Math.random().toString(36).slice(2, 8)}`,
    ),
  );
  const opt = new AdamW(new Map([['image.rows', X]]), {
    ...DEFAULT_ADAMW,
    lr: opts.lr,
    warmupSteps: 10,
    totalSteps: opts.steps,
    weightDecay: 0,
  });
  const capT = tf.tensor2d(capVec, [n, d]);
  const histT = tf.tensor2d(hist, [n, K]);
  const order = batchOrder([...Array(n).keys()], Math.min(opts.batch, n), opts.seed);
  let last = NaN;
  for (let s = 0; s < opts.steps; s++) {
    const idx = tf.tensor1d(order.next().value as number[], 'int32');
    const { value, grads } = tf.variableGrads(() => {
      const norm = (t: tf.Tensor) => tf.div(t, tf.add(tf.norm(t, 'euclidean', 1, true), 1e-8));
      const v = norm(mm(tf.gather(histT, idx), X)); // image bags (B, d)
      const c = norm(tf.gather(capT, idx)); // caption bags (B, d)
      const logits = tf.div(mm(v, tf.transpose(c)), opts.temperature);
      const labels = tf.oneHot(tf.range(0, idx.shape[0], 1, 'int32'), idx.shape[0]);
      const a = tf.losses.softmaxCrossEntropy(labels, logits);
      const b = tf.losses.softmaxCrossEntropy(labels, tf.transpose(logits));
      return tf.div(tf.add(a, b), 2) as tf.Scalar;
    }, [X]);
    opt.apply(grads).dispose();
    if (s === opts.steps - 1) last = (await value.data())[0];
    tf.dispose([idx, value, ...Object.values(grads)]);
  }
  // Rescale to the text rows' spread so the new rows sit among the old ones.
  const rows = (await X.data()) as Float32Array;
  let rsd = 0;
  for (const v of rows) rsd += (v * v) / rows.length;
  rsd = Math.sqrt(rsd);
  const out = rows.map((v) => (v / rsd) * sd);
  tf.dispose([capT, histT]);
  opt.dispose();
  X.dispose();
  return { rows: out, loss: last };
}
