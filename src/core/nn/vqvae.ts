/**
 * VQ-VAE image tokenizer (van den Oord et al. 2017, "Neural Discrete Representation Learning"): a conv encoder
 * 32×32×3 → 8×8×D, a vector quantizer with K codes, and a conv decoder back to 32×32×3. Reference
 * implementations: karpathy/deep-vector-quantization (quantize.py: k-means init, straight-through line),
 * taming-transformers (β on the commitment term; see the test of each loss term).
 *
 * loss = ‖x̂ − x‖² (mean) + ‖sg(z) − e‖² (mean; codebook) + β·‖z − sg(e)‖² (mean; commitment),
 * with the straight-through estimator z + sg(e − z). Options: EMA codebook updates instead of the codebook term
 * (Razavi et al. 2019), k-means initialisation from the first encoder outputs, and dead-code restart (codes unused
 * for N steps are re-seeded from recent encoder outputs). The 3×3 convolutions are tf.conv2d with a gradient made of
 * two more tf.conv2d calls (conv.ts: wasm has no Conv2DBackpropFilter kernel), so the model trains on cpu, wasm and
 * webgpu alike.
 */
import * as tf from '../tf';
import { Rng, deriveSeed, normalArray } from './init';
import { conv1x1, conv3x3, pixelShuffle, pixelUnshuffle, stopGradient } from './conv';
import { mm, oneHotF32 } from './ops';

export interface VQVAEConfig {
  /** Input and output resolution (square, divisible by 4); the code grid is imageSize/4. */
  imageSize: number;
  /** Base width C; the network uses C at full resolution and 2C below it. */
  channels: number;
  /** Residual blocks at the 8×8 grid, in the encoder and in the decoder. */
  resBlocks: number;
  /** Dimension D of each code vector. */
  codeDim: number;
  /** Number of codes K (64–2,048). */
  codebookSize: number;
  /** Weight of the commitment term (0.25 as in the paper). */
  beta: number;
  /** Update the codebook by exponential moving averages instead of the codebook loss. */
  ema: boolean;
  /** Decay of the EMA statistics. */
  emaDecay: number;
  /** Re-seed codes unused for this many training steps (0: never). */
  deadCodeSteps: number;
}

export const DEFAULT_VQ_CONFIG: VQVAEConfig = {
  imageSize: 32,
  channels: 32,
  resBlocks: 2,
  codeDim: 64,
  codebookSize: 512,
  beta: 0.25,
  ema: true,
  emaDecay: 0.99,
  deadCodeSteps: 100,
};

export function validateVQConfig(c: VQVAEConfig): void {
  if (!Number.isInteger(c.imageSize) || c.imageSize % 4 !== 0 || c.imageSize < 8)
    throw new Error(`VQ config: imageSize must be a multiple of 4 ≥ 8, got ${c.imageSize}`);
  if (!Number.isInteger(c.codebookSize) || c.codebookSize < 2 || c.codebookSize > 2048)
    throw new Error(`VQ config: codebookSize must be in [2, 2048], got ${c.codebookSize}`);
  for (const k of ['channels', 'codeDim'] as const)
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`VQ config: ${k} must be a positive integer, got ${c[k]}`);
  if (!(c.beta >= 0)) throw new Error(`VQ config: beta must be ≥ 0, got ${c.beta}`);
}

/** Parameter names and shapes (conv weights flattened HWIO: [kh·kw·Cin, Cout]). */
export function vqParamSpecs(c: VQVAEConfig): { name: string; shape: number[]; fanIn: number }[] {
  const C = c.channels;
  const C2 = 2 * C;
  const s: { name: string; shape: number[]; fanIn: number }[] = [];
  const conv = (name: string, k: number, cin: number, cout: number) => {
    s.push(
      { name: `${name}.weight`, shape: [k * k * cin, cout], fanIn: k * k * cin },
      { name: `${name}.bias`, shape: [cout], fanIn: 0 },
    );
  };
  const res = (prefix: string) => {
    for (let i = 0; i < c.resBlocks; i++) {
      conv(`${prefix}.res.${i}.conv1`, 3, C2, C2);
      conv(`${prefix}.res.${i}.conv2`, 1, C2, C2);
    }
  };
  conv('encoder.in', 3, 3, C);
  conv('encoder.down1', 3, 4 * C, C2);
  conv('encoder.down2', 3, 4 * C2, C2);
  res('encoder');
  conv('encoder.out', 1, C2, c.codeDim);
  s.push({ name: 'quantizer.codebook', shape: [c.codebookSize, c.codeDim], fanIn: -1 });
  conv('decoder.in', 3, c.codeDim, C2);
  res('decoder');
  conv('decoder.up1', 3, C2, 4 * C2);
  conv('decoder.up2', 3, C2, 4 * C);
  conv('decoder.out', 3, C, 3);
  return s;
}

/**
 * Vector quantization of z [N,D] against a codebook [K,D]: nearest codes, the codebook and commitment terms
 * (each a mean over N·D) and the straight-through output z + sg(e − z).
 */
export function quantize(
  z2: tf.Tensor2D,
  codebook: tf.Tensor2D,
): { ids: tf.Tensor1D; e: tf.Tensor2D; codebook: tf.Scalar; commitment: tf.Scalar; st: tf.Tensor2D } {
  return tf.tidy(() => {
    const zs = stopGradient(z2) as tf.Tensor2D;
    // argmin_k ‖z − e_k‖² = argmin_k (‖e_k‖² − 2 z·e_k)
    const d = tf.sub(tf.sum(tf.square(codebook), 1), tf.mul(2, mm(zs, tf.transpose(codebook))));
    const ids = tf.argMin(d, 1) as tf.Tensor1D;
    // (N, K) one-hot × (K, D) codebook: differentiable in the codebook on every backend (no gather gradient on wasm).
    const e = mm(oneHotF32(ids, codebook.shape[0]), codebook) as tf.Tensor2D;
    const cb = tf.mean(tf.square(tf.sub(zs, e))) as tf.Scalar; // moves codes towards encoder outputs
    const commitment = tf.mean(tf.square(tf.sub(z2, stopGradient(e)))) as tf.Scalar; // keeps the encoder near its code
    // Straight-through estimator: forward uses e, backward passes the decoder's gradient to z unchanged.
    const st = tf.add(z2, stopGradient(tf.sub(e, z2))) as tf.Tensor2D;
    return { ids, e, codebook: cb, commitment, st };
  });
}

export interface VQLosses {
  total: tf.Scalar;
  recon: tf.Scalar;
  codebook: tf.Scalar;
  commitment: tf.Scalar;
}

let counter = 0;

export class VQVAE {
  readonly config: VQVAEConfig;
  readonly params = new Map<string, tf.Variable>();
  readonly scope: string;
  /** EMA statistics (cluster sizes N_k and sums m_k), when config.ema. */
  private emaN: tf.Variable | null = null;
  private emaM: tf.Variable | null = null;

  constructor(config: VQVAEConfig, seed = 0, scope?: string) {
    validateVQConfig(config);
    this.config = { ...config };
    this.scope = scope ?? `vq${counter++}`;
    for (const spec of vqParamSpecs(config)) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const rng = new Rng(deriveSeed(seed, spec.name));
      // He init for ReLU layers; the last layer of each residual branch and both output layers start 10× smaller, so
      // the first reconstructions are near zero and early gradients do not throw the encoder off its codes.
      const small = /(\.conv2|encoder\.out|decoder\.out)\.weight$/.test(spec.name) ? 0.1 : 1;
      const values =
        spec.fanIn === 0
          ? new Float32Array(size)
          : normalArray(rng, size, spec.fanIn > 0 ? small * Math.sqrt(2 / spec.fanIn) : 1 / Math.sqrt(config.codeDim));
      // The codebook is trained by the optimizer only without EMA.
      const trainable = spec.name !== 'quantizer.codebook' || !config.ema;
      this.params.set(
        spec.name,
        tf.tidy(() => tf.variable(tf.tensor(values, spec.shape, 'float32'), trainable, `${this.scope}/${spec.name}`)),
      );
    }
    if (config.ema) {
      this.emaN = tf.tidy(() => tf.variable(tf.ones([config.codebookSize]), false, `${this.scope}/ema.n`));
      this.emaM = tf.tidy(() => tf.variable(tf.clone(this.codebook), false, `${this.scope}/ema.m`));
    }
  }

  get codebook(): tf.Variable {
    return this.p('quantizer.codebook');
  }

  /** Side length of the code grid (8 for 32×32 images). */
  get grid(): number {
    return this.config.imageSize / 4;
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`VQVAE: no parameter ${name}`);
    return v;
  }

  private c3(x: tf.Tensor4D, name: string): tf.Tensor4D {
    return conv3x3(x, this.p(name + '.weight'), this.p(name + '.bias'));
  }

  private c1(x: tf.Tensor4D, name: string): tf.Tensor4D {
    return conv1x1(x, this.p(name + '.weight'), this.p(name + '.bias'));
  }

  private res(x: tf.Tensor4D, prefix: string): tf.Tensor4D {
    for (let i = 0; i < this.config.resBlocks; i++) {
      const h = this.c1(tf.relu(this.c3(tf.relu(x), `${prefix}.res.${i}.conv1`)), `${prefix}.res.${i}.conv2`);
      x = tf.add(x, h);
    }
    return x;
  }

  /** Images [B,S,S,3] in [0,1] → continuous codes z [B,S/4,S/4,D]. */
  encodeContinuous(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.c3(tf.sub(x, 0.5), 'encoder.in')); // inputs centred on 0
      h = tf.relu(this.c3(pixelUnshuffle(h), 'encoder.down1'));
      h = tf.relu(this.c3(pixelUnshuffle(h), 'encoder.down2'));
      h = tf.relu(this.res(h, 'encoder'));
      return this.c1(h, 'encoder.out');
    });
  }

  /** Code vectors [B,g,g,D] → images [B,S,S,3] (unclipped). */
  decodeVectors(zq: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.res(this.c3(zq, 'decoder.in'), 'decoder'));
      h = tf.relu(pixelShuffle(this.c3(h, 'decoder.up1')));
      h = tf.relu(pixelShuffle(this.c3(h, 'decoder.up2')));
      return tf.add(this.c3(h, 'decoder.out'), 0.5) as tf.Tensor4D; // outputs centred on 0.5, as the inputs
    });
  }

  /** Nearest code of each row of z [N,D]: argmin ‖z − e_k‖² = argmin (‖e_k‖² − 2 z·e_k). Returns int32 [N]. */
  nearest(z2d: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => quantize(z2d, this.codebook as tf.Tensor as tf.Tensor2D).ids);
  }

  /** Images → code ids [B, g, g] (int32). */
  encode(images: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const z = this.encodeContinuous(images);
      const [B, g, , D] = z.shape;
      return tf.reshape(this.nearest(tf.reshape(z, [B * g * g, D]) as tf.Tensor2D), [B, g, g]) as tf.Tensor3D;
    });
  }

  /** Code ids [B, g, g] → images [B,S,S,3], clipped to [0,1]. */
  decode(ids: tf.Tensor3D): tf.Tensor4D {
    return tf.tidy(() => {
      const [B, g] = ids.shape;
      const zq = tf.reshape(tf.gather(this.codebook, tf.reshape(ids, [-1])), [
        B,
        g,
        g,
        this.config.codeDim,
      ]) as tf.Tensor4D;
      return tf.clipByValue(this.decodeVectors(zq), 0, 1) as tf.Tensor4D;
    });
  }

  /**
   * The training forward pass. Returns the loss terms plus, kept for the caller, the code ids [N] and the
   * encoder outputs z [N,D] of this batch (for usage statistics, EMA updates and dead-code restarts).
   */
  losses(x: tf.Tensor4D): VQLosses & { ids: tf.Tensor1D; z: tf.Tensor2D } {
    let ids!: tf.Tensor1D;
    let zFlat!: tf.Tensor2D;
    const terms = tf.tidy(() => {
      const z = this.encodeContinuous(x);
      const [B, g, , D] = z.shape;
      const z2 = tf.reshape(z, [B * g * g, D]) as tf.Tensor2D;
      const q = quantize(z2, this.codebook as tf.Tensor as tf.Tensor2D);
      ids = tf.keep(q.ids);
      zFlat = tf.keep(stopGradient(z2) as tf.Tensor2D);
      const { codebook, commitment, st } = q;
      const recon = tf.mean(
        tf.square(tf.sub(this.decodeVectors(tf.reshape(st, [B, g, g, D]) as tf.Tensor4D), x)),
      ) as tf.Scalar;
      const total = tf.add(
        tf.add(recon, this.config.ema ? 0 : codebook),
        tf.mul(this.config.beta, commitment),
      ) as tf.Scalar;
      return { total, recon, codebook, commitment };
    });
    return { ...terms, ids, z: zFlat };
  }

  /** EMA codebook update from one batch's assignments (no-op without config.ema). */
  emaUpdate(ids: tf.Tensor1D, z: tf.Tensor2D): void {
    if (!this.emaN || !this.emaM) return;
    const { emaDecay: g, codebookSize: K } = this.config;
    tf.tidy(() => {
      const oh = oneHotF32(ids, K);
      const n = tf.sum(oh, 0);
      const m = mm(tf.transpose(oh), z);
      this.emaN!.assign(tf.add(tf.mul(this.emaN!, g), tf.mul(n, 1 - g)));
      this.emaM!.assign(tf.add(tf.mul(this.emaM!, g), tf.mul(m, 1 - g)));
      const total = tf.sum(this.emaN!);
      const eps = 1e-5;
      const smoothed = tf.mul(tf.div(tf.add(this.emaN!, eps), tf.add(total, K * eps)), total); // Laplace smoothing
      this.codebook.assign(tf.div(this.emaM!, tf.expandDims(smoothed, 1)));
    });
  }

  /** Overwrite some codes (k-means init, dead-code restart); keeps the EMA statistics consistent. */
  setCodes(indices: number[], vectors: Float32Array): void {
    const D = this.config.codeDim;
    if (vectors.length !== indices.length * D)
      throw new Error(`setCodes: ${vectors.length} values for ${indices.length} codes of dim ${D}`);
    if (indices.length === 0) return;
    tf.tidy(() => {
      const idx = tf.tensor1d(indices, 'int32');
      const rows = tf.tensor2d(vectors, [indices.length, D]);
      const mask = tf.expandDims(tf.sum(oneHotF32(idx, this.config.codebookSize), 0), 1); // 1 on replaced rows
      const scattered = tf.scatterND(tf.expandDims(idx, 1), rows, [this.config.codebookSize, D]);
      const keep = tf.sub(1, tf.minimum(mask, 1));
      this.codebook.assign(tf.add(tf.mul(this.codebook, keep), scattered));
      if (this.emaN && this.emaM) {
        this.emaN.assign(tf.add(tf.mul(this.emaN, tf.squeeze(keep, [1])), tf.squeeze(tf.minimum(mask, 1), [1])));
        this.emaM.assign(tf.add(tf.mul(this.emaM, keep), scattered));
      }
    });
  }

  /** Replace a parameter's values (checkpoint loading); the EMA sums follow the codebook. */
  assign(name: string, values: Float32Array): void {
    const v = this.p(name);
    if (values.length !== v.size)
      throw new Error(`VQVAE: ${name} expects ${v.size} values (shape [${v.shape}]), got ${values.length}`);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
    if (name === 'quantizer.codebook' && this.emaM && this.emaN) {
      tf.tidy(() => {
        this.emaM!.assign(tf.clone(this.codebook));
        this.emaN!.assign(tf.onesLike(this.emaN!));
      });
    }
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    this.emaN?.dispose();
    this.emaM?.dispose();
  }
}
