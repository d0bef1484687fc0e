/**
 * Codebook maintenance for the VQ-VAE: k-means initialisation from encoder outputs (as karpathy/deep-vector-
 * quantization does once at the start), usage tracking on the device, and dead-code restart from recent outputs.
 */
import * as tf from '../tf';
import { Rng } from '../nn/init';
import { mm, oneHotF32 } from '../nn/ops';
import type { VQVAE } from '../nn/vqvae';

/** k-means++ seeding (Arthur & Vassilvitskii 2007): each next seed is a row drawn with probability ∝ D², in JS. */
export function kmeansPlusPlus(data: Float32Array, N: number, D: number, k: number, rng: Rng): number[] {
  const rows = [rng.int(N)];
  const d2 = new Float64Array(N).fill(Infinity);
  while (rows.length < k) {
    const c = rows[rows.length - 1] * D;
    let total = 0;
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += (data[i * D + j] - data[c + j]) ** 2;
      if (s < d2[i]) d2[i] = s;
      total += d2[i];
    }
    if (total === 0) {
      rows.push(rng.int(N)); // fewer distinct points than codes: repeat one (restarts will spread them)
      continue;
    }
    let r = rng.next() * total;
    let pick = N - 1;
    for (let i = 0; i < N; i++)
      if ((r -= d2[i]) < 0) {
        pick = i;
        break;
      }
    rows.push(pick);
  }
  return rows;
}

/** Lloyd's k-means on rows of `data` [N,D], seeded by k-means++; an empty cluster keeps its centre. */
export function kmeans(data: tf.Tensor2D, k: number, iters: number, seed: number): Float32Array {
  const [N, D] = data.shape;
  const rows = kmeansPlusPlus(data.dataSync() as Float32Array, N, D, k, new Rng(seed));
  let centres: tf.Tensor = tf.tidy(() => tf.gather(data, tf.tensor1d(rows, 'int32')));
  for (let it = 0; it < iters; it++) {
    const next = tf.tidy(() => {
      const d = tf.sub(tf.sum(tf.square(centres), 1), tf.mul(2, mm(data, tf.transpose(centres))));
      const oh = oneHotF32(tf.argMin(d, 1), k); // (N, k)
      const counts = tf.sum(oh, 0); // (k)
      const sums = mm(tf.transpose(oh), data); // (k, D)
      const mean = tf.div(sums, tf.expandDims(tf.maximum(counts, 1), 1));
      const empty = tf.expandDims(tf.cast(tf.equal(counts, 0), 'float32'), 1);
      return tf.add(tf.mul(mean, tf.sub(1, empty)), tf.mul(centres, empty));
    });
    centres.dispose();
    centres = next;
  }
  const out = centres.dataSync() as Float32Array;
  centres.dispose();
  return out;
}

/** Counts code use on the device; reports codes unused since the last check. */
export class CodeUsage {
  private counts: tf.Variable;

  constructor(readonly K: number) {
    this.counts = tf.tidy(() => tf.variable(tf.zeros([K]), false));
  }

  add(ids: tf.Tensor1D): void {
    tf.tidy(() => this.counts.assign(tf.add(this.counts, tf.sum(oneHotF32(ids, this.K), 0))));
  }

  /** Codes with zero use since the last call (a device read), then reset. */
  async unusedAndReset(): Promise<number[]> {
    const c = await this.counts.data();
    tf.tidy(() => this.counts.assign(tf.zerosLike(this.counts)));
    const out: number[] = [];
    c.forEach((v, i) => v === 0 && out.push(i));
    return out;
  }

  dispose(): void {
    this.counts.dispose();
  }
}

/** Re-seed `dead` codes with random rows of recent encoder outputs z [N,D] plus small noise. Returns how many. */
export async function restartCodes(model: VQVAE, dead: number[], z: tf.Tensor2D, rng: Rng): Promise<number> {
  if (dead.length === 0) return 0;
  const [N, D] = z.shape;
  const data = (await z.data()) as Float32Array;
  const vectors = new Float32Array(dead.length * D);
  dead.forEach((_, i) => {
    const r = rng.int(N);
    for (let j = 0; j < D; j++) vectors[i * D + j] = data[r * D + j] + 0.01 * rng.normal();
  });
  model.setCodes(dead, vectors);
  return dead.length;
}
