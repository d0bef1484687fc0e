/**
 * AdamW (Loshchilov & Hutter 2019) with decoupled weight decay exactly as PyTorch's `torch.optim.AdamW`, no-decay
 * groups (biases, LayerNorms, embeddings), two learning-rate schedules — linear warmup then cosine decay, or
 * warmup-stable-decay (WSD: warmup, a constant peak, then a linear decay over the last steps; Hägele et al. 2024,
 * "Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations") — and global-norm gradient clipping
 * that reports the pre-clip norm (as `torch.nn.utils.clip_grad_norm_`).
 */
import * as tf from '../tf';
import { sumPairwise } from './ops';
import { adamwWasm, sumSquaresWasm, wasmKernelsWork } from './wasm-kernels';
import { clipScaleWebgpu, sumSquaresManyWebgpu, webgpuKernelsWork } from './webgpu-adamw';
import { PackedMoments } from './webgpu-adamw-packed';

export interface AdamWConfig {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Added to √v̂. Always explicit: WebGL's tfjs default is 1e-4 (docs/tfjs-notes.md). */
  eps: number;
  /** Decoupled weight decay, applied only to the decay group. */
  weightDecay: number;
  /** Clip the global gradient norm to this value; 0 turns clipping off. */
  clipNorm: number;
  /** Steps of linear warmup from lr/warmupSteps to lr. */
  warmupSteps: number;
  /** Total steps; the cosine decays from lr to minLrRatio·lr between warmupSteps and totalSteps. */
  totalSteps: number;
  /** Final learning rate as a fraction of the peak. */
  minLrRatio: number;
  /** 'cosine' (default): cosine from the peak after warmup; 'wsd': the peak held, then a linear decay at the end. */
  schedule?: Schedule;
  /** WSD only: the share of totalSteps spent decaying (default 0.2). */
  decayFraction?: number;
}

export type Schedule = 'cosine' | 'wsd';
export const SCHEDULES: readonly Schedule[] = ['cosine', 'wsd'];

export const DEFAULT_ADAMW: AdamWConfig = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  clipNorm: 1.0,
  warmupSteps: 100,
  totalSteps: 2000,
  minLrRatio: 0.1,
};

/**
 * Learning rate at a 0-based step: linear warmup to the peak, then (cosine) cosine to minLrRatio·lr, or (wsd) the
 * peak until the last decayFraction·totalSteps steps and a straight line to minLrRatio·lr at totalSteps; flat after.
 */
export function lrAt(step: number, c: AdamWConfig): number {
  if (c.warmupSteps > 0 && step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  const minLr = c.lr * c.minLrRatio;
  if (c.schedule === 'wsd') {
    const decay = Math.max(1, Math.round((c.decayFraction ?? 0.2) * c.totalSteps));
    const start = Math.max(c.warmupSteps, c.totalSteps - decay);
    if (step < start) return c.lr;
    const progress = Math.min(1, (step - start) / Math.max(1, c.totalSteps - start));
    return c.lr + (minLr - c.lr) * progress;
  }
  const span = Math.max(1, c.totalSteps - c.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - c.warmupSteps) / span));
  return minLr + 0.5 * (c.lr - minLr) * (1 + Math.cos(Math.PI * progress));
}

/** Biases, LayerNorm parameters and embeddings get no weight decay. */
export function isNoDecay(name: string): boolean {
  return (
    name.endsWith('.bias') || /(^|\.)ln_[^.]*\./.test(name) || /(^|\.)(wte|wpe)\./.test(name) || name.includes('norm')
  );
}

/** √(Σ‖g‖²) over all tensors, summed pairwise (never addN on WebGPU). */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(sumPairwise(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

export class AdamW {
  readonly config: AdamWConfig;
  /** Number of updates applied so far. */
  t = 0;
  private readonly params: Map<string, tf.Variable>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly packed: PackedMoments | null;

  /** `params` by name; `trainable` picks which ones this optimizer updates (default: all). */
  constructor(
    params: Map<string, tf.Variable>,
    config: AdamWConfig,
    trainable: (name: string) => boolean = () => true,
  ) {
    this.config = { ...config };
    this.params = new Map([...params].filter(([name]) => trainable(name)));
    // On WebGPU the moments live packed by groups (webgpu-adamw-packed.ts): ~1.2 dispatches a parameter per update.
    this.packed = webgpuKernelsWork() && this.params.size > 0 ? new PackedMoments(this.params) : null;
    if (this.packed) return;
    for (const [name, p] of this.params) {
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
    }
  }

  /** The variables this optimizer updates, in a fixed order. */
  variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** Learning rate the next update will use. */
  currentLr(): number {
    return lrAt(this.t, this.config);
  }

  /**
   * Clip, then apply one AdamW update. `grads` maps variable names (tfjs `Variable.name`) or our parameter names
   * to gradients. Returns the global gradient norm before clipping (a kept scalar the caller disposes).
   */
  apply(grads: tf.NamedTensorMap): tf.Scalar {
    const c = this.config;
    const lr = lrAt(this.t, c);
    this.t += 1;
    const bc1 = 1 - Math.pow(c.beta1, this.t);
    const bc2 = 1 - Math.pow(c.beta2, this.t);
    return tf.tidy(() => {
      const entries: [string, tf.Variable, tf.Tensor][] = [];
      for (const [name, p] of this.params) {
        const g = grads[p.name] ?? grads[name];
        if (g) entries.push([name, p, g]);
      }
      if (entries.length === 0) throw new Error('AdamW.apply: no gradient for any trainable parameter');
      const fused = !this.packed && wasmKernelsWork();
      const gpu = this.packed !== null;
      // On WebGPU Σg² is a chain of a few dispatches and the clip scale one more (webgpu-adamw.ts).
      const sumSq = gpu ? sumSquaresManyWebgpu(entries.map((e) => e[2])) : null;
      const norm = fused
        ? (tf.sqrt(sumSquaresWasm(entries.map((e) => e[2]))) as tf.Scalar)
        : sumSq
          ? (tf.reshape(tf.sqrt(sumSq), []) as tf.Scalar)
          : globalNorm(entries.map((e) => e[2]));
      const scale =
        c.clipNorm > 0
          ? sumSq
            ? clipScaleWebgpu(sumSq, c.clipNorm)
            : tf.minimum(1, tf.div(c.clipNorm, tf.add(norm, 1e-6)))
          : null;
      const wdOf = (name: string) => (c.weightDecay > 0 && !isNoDecay(name) ? c.weightDecay : 0);
      if (this.packed) {
        // One dispatch per group of moments and one per parameter (webgpu-adamw-packed.ts); the arithmetic below.
        const step = { lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, bc1, bc2 };
        this.packed.update(new Map(entries.map(([name, , g]) => [name, g])), scale ?? tf.ones([1]), step, wdOf);
        return tf.keep(norm);
      }
      if (fused) {
        // One pass per parameter on wasm (wasm-kernels.ts); the same arithmetic as below.
        const clip = (scale ?? tf.scalar(1)) as tf.Scalar;
        for (const [name, p, g] of entries) {
          const m = this.m.get(name)!;
          const v = this.v.get(name)!;
          const wd = wdOf(name);
          const [np, nm, nv] = adamwWasm(p, g, m, v, clip, {
            lr,
            beta1: c.beta1,
            beta2: c.beta2,
            eps: c.eps,
            wd,
            bc1,
            bc2,
          });
          p.assign(np);
          m.assign(nm);
          v.assign(nv);
        }
        return tf.keep(norm);
      }
      for (const [name, p, g0] of entries) {
        const g = scale ? tf.mul(g0, scale) : g0;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1)));
        v.assign(tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2)));
        const decayed = c.weightDecay > 0 && !isNoDecay(name) ? tf.mul(p, 1 - lr * c.weightDecay) : p;
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), c.eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      }
      return tf.keep(norm);
    });
  }

  /** First and second moments by parameter name (a device sync; for checkpoints and tests). */
  getState(): { t: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> } {
    if (this.packed) return { t: this.t, ...this.packed.getState() };
    const read = (src: Map<string, tf.Variable>) =>
      new Map([...src].map(([k, t]) => [k, t.dataSync() as Float32Array]));
    return { t: this.t, m: read(this.m), v: read(this.v) };
  }

  /** Restore moments and step count saved by getState (resuming a run). */
  setState(state: { t: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> }): void {
    if (this.packed) {
      this.packed.setState(state);
      this.t = state.t;
      return;
    }
    for (const [name, p] of this.params) {
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (!m || !v || m.length !== p.size || v.length !== p.size)
        throw new Error(`AdamW.setState: no saved moments of the right size for ${name}`);
      tf.tidy(() => {
        this.m.get(name)!.assign(tf.tensor(m, p.shape, 'float32'));
        this.v.get(name)!.assign(tf.tensor(v, p.shape, 'float32'));
      });
    }
    this.t = state.t;
  }

  dispose(): void {
    this.packed?.dispose();
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
