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
