// Picking the next token from logits: temperature, top-k and an allowed-id mask, with a seeded RNG.
import type { Rng } from './init';

export interface SampleOptions {
  /** Softmax temperature; 0 means greedy (argmax). */
  temperature: number;
  /** Keep only the k most likely ids before sampling; 0 or ≥ vocab keeps all. */
  topK: number;
}

/**
 * Sample one id from a row of logits. `allowed[i] = 1` marks ids that may be produced (null: all).
 * Throws when the mask allows nothing, since any id returned then would be wrong.
 */
export function sampleToken(
  logits: ArrayLike<number>,
  rng: Rng,
  opts: SampleOptions,
  allowed: Uint8Array | null = null,
): number {
  const V = logits.length;
  if (allowed && allowed.length !== V)
    throw new Error(`sampleToken: mask has ${allowed.length} entries for ${V} logits`);
  const ids: number[] = [];
  for (let i = 0; i < V; i++) if (!allowed || allowed[i]) ids.push(i);
  if (ids.length === 0) throw new Error('sampleToken: the allowed-id mask allows no token');
  ids.sort((a, b) => logits[b] - logits[a] || a - b);
  if (opts.temperature <= 0) return ids[0];
  const k = opts.topK > 0 ? Math.min(opts.topK, ids.length) : ids.length;
  const top = ids.slice(0, k);
  const max = logits[top[0]];
  const weights = top.map((i) => Math.exp((logits[i] - max) / opts.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let j = 0; j < top.length; j++) {
    r -= weights[j];
    if (r < 0) return top[j];
  }
  return top[top.length - 1];
}
