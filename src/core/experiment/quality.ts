/**
 * A quality figure for generated images: a small category classifier trained on the real images gives (a) the
 * accuracy of generated images for their caption's category and (b) a Fréchet distance between real and generated
 * images in its feature space (as FID does with Inception features; Heusel et al. 2017):
 *   FD = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r^{1/2} Σ_g Σ_r^{1/2})^{1/2}).
 */
import * as tf from '../tf';
import { conv3x3, pixelUnshuffle } from '../nn/conv';
import { Rng, deriveSeed, normalArray } from '../nn/init';
import { mm } from '../nn/ops';
import { AdamW, DEFAULT_ADAMW } from '../nn/optim';
import { batchOrder } from '../data/corpus';
import type { DeviceImages } from '../data/images';

const FEATURES = 32;

export class CategoryClassifier {
  readonly params = new Map<string, tf.Variable>();

  constructor(
    readonly classes: number,
    seed = 0,
  ) {
    const shapes: [string, number[], number][] = [
      ['c1.w', [27, 16], 27],
      ['c1.b', [16], 0],
      ['c2.w', [9 * 64, 32], 9 * 64],
      ['c2.b', [32], 0],
      ['c3.w', [9 * 128, FEATURES], 9 * 128],
      ['c3.b', [FEATURES], 0],
      ['fc.w', [FEATURES, classes], FEATURES],
      ['fc.b', [classes], 0],
    ];
    for (const [name, shape, fanIn] of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      const v = fanIn
        ? normalArray(new Rng(deriveSeed(seed, name)), size, Math.sqrt(2 / fanIn))
        : new Float32Array(size);
      this.params.set(
        name,
        tf.tidy(() =>
          tf.variable(tf.tensor(v, shape), true, `cls${seed}-${Math.random().toString(36).slice(2, 8)}/${name}`),
        ),
      );
    }
  }

  private p(n: string): tf.Variable {
    return this.params.get(n)!;
  }

  /** Pooled features [B, 32] of images [B, 32, 32, 3]. */
  features(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = tf.relu(conv3x3(tf.sub(x, 0.5) as tf.Tensor4D, this.p('c1.w'), this.p('c1.b')));
      h = tf.relu(conv3x3(pixelUnshuffle(h), this.p('c2.w'), this.p('c2.b')));
      h = tf.relu(conv3x3(pixelUnshuffle(h), this.p('c3.w'), this.p('c3.b')));
      return tf.mean(h, [1, 2]) as tf.Tensor2D;
    });
  }

  logits(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.add(mm(this.features(x), this.p('fc.w')), this.p('fc.b')) as tf.Tensor2D);
  }

  /** Train on labelled images for `steps` steps of batch `batch`. Returns the final batch loss. */
  async train(images: DeviceImages, labels: number[], steps: number, batch = 64, seed = 0): Promise<number> {
    const opt = new AdamW(this.params, {
      ...DEFAULT_ADAMW,
      lr: 3e-3,
      warmupSteps: 10,
      totalSteps: steps,
      weightDecay: 0,
    });
    const order = batchOrder([...labels.keys()], Math.min(batch, labels.length), seed);
    let last = NaN;
    for (let s = 0; s < steps; s++) {
      const idx = order.next().value as number[];
      const x = images.batch(idx);
      const y = tf.tidy(() =>
        tf.cast(
          tf.oneHot(
            tf.tensor1d(
              idx.map((i) => labels[i]),
              'int32',
            ),
            this.classes,
          ),
          'float32',
        ),
      );
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, this.logits(x)) as tf.Scalar,
        opt.variables(),
      );
      opt.apply(grads).dispose();
      if (s === steps - 1) last = (await value.data())[0];
      tf.dispose([x, y, value, ...Object.values(grads)]);
    }
    opt.dispose();
    return last;
  }

  /** Predicted classes and features for images (in batches). */
  async predict(images: DeviceImages, batch = 128): Promise<{ classes: number[]; features: Float32Array }> {
    const classes: number[] = [];
    const features = new Float32Array(images.count * FEATURES);
    for (let s = 0; s < images.count; s += batch) {
      const idx = [...Array(Math.min(batch, images.count - s)).keys()].map((i) => i + s);
      const [c, f] = tf.tidy(() => {
        const x = images.batch(idx);
        return [tf.argMax(this.logits(x), 1), this.features(x)];
      });
      classes.push(...((await c.data()) as Int32Array));
      features.set((await f.data()) as Float32Array, s * FEATURES);
      tf.dispose([c, f]);
    }
    return { classes, features };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}

/** Eigen-decomposition of a symmetric matrix (cyclic Jacobi), n×n row-major → eigenvalues and column eigenvectors. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += A[i * n + j] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p],
            akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k],
            aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p],
            vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => A[i * n + i]), vectors: V };
}

function meanCov(x: Float32Array, n: number, d: number): { mu: Float64Array; cov: Float64Array } {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += x[i * d + j] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++)
      for (let k = 0; k < d; k++)
        cov[j * d + k] += ((x[i * d + j] - mu[j]) * (x[i * d + k] - mu[k])) / Math.max(1, n - 1);
  return { mu, cov };
}

function sqrtSym(m: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, d);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += vectors[i * d + k] * Math.sqrt(Math.max(0, values[k])) * vectors[j * d + k];
      out[i * d + j] = s;
    }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[i * d + j] += a[i * d + k] * b[k * d + j];
  return out;
}

/** Fréchet distance between two feature sets [n, d] (Gaussian fits). */
export function frechetDistance(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): number {
  const A = meanCov(a, na, d);
  const B = meanCov(b, nb, d);
  let diff = 0;
  for (let j = 0; j < d; j++) diff += (A.mu[j] - B.mu[j]) ** 2;
  const s = sqrtSym(A.cov, d);
  const cross = sqrtSym(matmul(matmul(s, B.cov, d), s, d), d);
  let tr = 0;
  for (let j = 0; j < d; j++) tr += A.cov[j * d + j] + B.cov[j * d + j] - 2 * cross[j * d + j];
  return diff + tr;
}
