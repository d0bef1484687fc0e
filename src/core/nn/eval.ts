// Held-out evaluation of a GPT on one long id sequence: mean next-token NLL over every prediction, in windows.
import * as tf from '../tf';
import type { GPT } from './gpt';

/**
 * Mean NLL (natural log) over the T−1 next-token predictions of `ids`. Sequences longer than the model's context
 * are cut into windows of nPositions that overlap by one id, so each id after the first is predicted exactly once
 * (the context restarts at each window).
 */
export async function meanNll(model: GPT, ids: number[]): Promise<{ meanNll: number; predictions: number }> {
  if (ids.length < 2) throw new Error(`need at least 2 ids to predict one, got ${ids.length}`);
  const V = model.config.vocabSize;
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= V);
  if (bad >= 0) throw new Error(`id ${ids[bad]} at position ${bad} is outside the vocabulary [0, ${V})`);
  const n = model.config.nPositions;
  let total = 0;
  let count = 0;
  for (let start = 0; start < ids.length - 1; start += n - 1) {
    const chunk = ids.slice(start, start + n);
    const sum = tf.tidy(() => tf.sum(model.nll(tf.tensor2d([chunk], [1, chunk.length], 'int32'))));
    total += (await sum.data())[0];
    sum.dispose();
    count += chunk.length - 1;
  }
  return { meanNll: total / count, predictions: count };
}

/**
 * Mean NLL (natural log) of `ids` by sliding windows of the model's context T with stride ⌊T/2⌋, as
 * scale/pretrain.py's sliding_nll (the `lmEval` of torch-trained checkpoints): the first window scores all its
 * predictions, each later one only the ids not yet scored, so every id after the first is scored once with up to
 * T−1 ids of context; a last window ends at the last id. `batch` windows run at once.
 * @throws for fewer than 2 ids or an id outside the vocabulary
 */
export async function slidingNll(
  model: GPT,
  ids: ArrayLike<number>,
  batch = 32,
): Promise<{ meanNll: number; predictions: number }> {
  const n = ids.length;
  if (n < 2) throw new Error(`need at least 2 ids to predict one, got ${n}`);
  const V = model.config.vocabSize;
  for (let i = 0; i < n; i++)
    if (!Number.isInteger(ids[i]) || ids[i] < 0 || ids[i] >= V)
      throw new Error(`id ${ids[i]} at position ${i} is outside the vocabulary [0, ${V})`);
  const T = Math.min(model.config.nPositions, n);
  const stride = Math.max(1, Math.floor(T / 2));
  const starts: number[] = [];
  for (let s = 0; s + T <= n; s += stride) starts.push(s);
  if (starts[starts.length - 1] + T < n) starts.push(n - T);
  let total = 0;
  let count = 0;
  let scoredTo = 1; // ids [1, scoredTo) are scored
  for (let i = 0; i < starts.length; i += batch) {
    const chunk = starts.slice(i, i + batch);
    const x = new Int32Array(chunk.length * T);
    chunk.forEach((s, r) => {
      for (let j = 0; j < T; j++) x[r * T + j] = ids[s + j];
    });
    const nll = tf.tidy(() => model.nll(tf.tensor2d(x, [chunk.length, T], 'int32')));
    const v = await nll.data();
    nll.dispose();
    chunk.forEach((s, r) => {
      const first = Math.max(scoredTo, s + 1);
      const last = s + T;
      for (let t = first; t < last; t++) total += v[r * (T - 1) + (t - s - 1)];
      if (first < last) {
        count += last - first;
        scoredTo = last;
      }
    });
  }
  if (count !== n - 1) throw new Error(`slidingNll: scored ${count} predictions of ${n - 1}`);
  return { meanNll: total / count, predictions: count };
}
