/**
 * GPT: a GPT-2-style decoder-only transformer in tfjs (pre-LayerNorm blocks, learned positions, causal multi-head
 * attention, GELU tanh form by default, tied or untied head; the GPT2Config options that change the math — MLP width,
 * activation, attention scaling — are config fields). References: Radford et al. 2019 (GPT-2); nanoGPT `model.py`.
 *
 * Parameters are held under their Hugging Face `GPT2LMHeadModel` names (Conv1D weights in [in, out] layout), so a
 * checkpoint maps onto the model one tensor at a time (see checkpoint/gpt2.ts). The forward pass returns
 * per-position next-token NLL so callers can split the loss by modality with a mask.
 */
import * as tf from '../tf';
import { Rng, deriveSeed, normalArray } from './init';
import { activate, isActivation, ACTIVATIONS, type Activation } from './activations';
import { crossEntropy, embedding, layerNorm, linear, matMulBT } from './ops';
import { cachedAttention, causalMask, causalSelfAttention, type LayerKV } from './attention';
import { sampleToken, type SampleOptions } from './sampling';

export interface GPTConfig {
  /** Number of token ids the model reads and predicts (text + special + image tokens). */
  vocabSize: number;
  /** Longest sequence the model accepts; the learned position table has this many rows. */
  nPositions: number;
  /** Width of the residual stream (d_model); must be divisible by nHead. */
  nEmbd: number;
  /** Number of transformer blocks. */
  nLayer: number;
  /** Number of attention heads; head size is nEmbd / nHead. */
  nHead: number;
  /** LayerNorm epsilon (GPT-2 uses 1e-5). */
  layerNormEps: number;
  /** true: the output head reuses the token embedding (GPT-2); false: a separate `lm_head.weight`. */
  tieEmbeddings: boolean;
  /** Std of the normal initialisation of weights and embeddings (GPT-2: 0.02); residual projections get std/√(2·nLayer). */
  initStd: number;
  /** Width of each MLP's hidden layer (GPT2Config `n_inner`); absent: 4·nEmbd. */
  nInner?: number;
  /** The MLP's activation (GPT2Config `activation_function`, see activations.ts); absent: 'gelu_new' (GELU, tanh form). */
  activation?: Activation;
  /** Divide attention scores by √(head size) (GPT2Config `scale_attn_weights`); absent: true. */
  scaleAttnWeights?: boolean;
  /** Also divide layer i's attention scores by i + 1, counting from 0 (GPT2Config `scale_attn_by_inverse_layer_idx`); absent: false. */
  scaleAttnByInverseLayerIdx?: boolean;
}

/** The MLP hidden width of a config: `nInner`, else 4·nEmbd (as GPT2Block). */
export function mlpWidth(c: GPTConfig): number {
  return c.nInner ?? 4 * c.nEmbd;
}

/** The factor multiplying layer `layer`'s (0-based) attention scores q·kᵀ: 1/√(head size) unless scaleAttnWeights is false, then ÷ (layer + 1) with scaleAttnByInverseLayerIdx (as GPT2Attention). */
export function attentionScale(c: GPTConfig, layer: number): number {
  let s = c.scaleAttnWeights === false ? 1 : 1 / Math.sqrt(c.nEmbd / c.nHead);
  if (c.scaleAttnByInverseLayerIdx) s /= layer + 1;
  return s;
}

export const DEFAULT_GPT_CONFIG: GPTConfig = {
  vocabSize: 2048,
  nPositions: 128,
  nEmbd: 128,
  nLayer: 4,
  nHead: 4,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.02,
};

export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'normal' | 'normal-residual' | 'zeros' | 'ones';
}

/** The parameter list of a config, in Hugging Face order and naming. */
export function gptParamSpecs(c: GPTConfig): ParamSpec[] {
  const d = c.nEmbd;
  const f = mlpWidth(c);
  const specs: ParamSpec[] = [
    { name: 'transformer.wte.weight', shape: [c.vocabSize, d], init: 'normal' },
    { name: 'transformer.wpe.weight', shape: [c.nPositions, d], init: 'normal' },
  ];
  for (let i = 0; i < c.nLayer; i++) {
    const p = `transformer.h.${i}.`;
    specs.push(
      { name: p + 'ln_1.weight', shape: [d], init: 'ones' },
      { name: p + 'ln_1.bias', shape: [d], init: 'zeros' },
      { name: p + 'attn.c_attn.weight', shape: [d, 3 * d], init: 'normal' },
      { name: p + 'attn.c_attn.bias', shape: [3 * d], init: 'zeros' },
      { name: p + 'attn.c_proj.weight', shape: [d, d], init: 'normal-residual' },
      { name: p + 'attn.c_proj.bias', shape: [d], init: 'zeros' },
      { name: p + 'ln_2.weight', shape: [d], init: 'ones' },
      { name: p + 'ln_2.bias', shape: [d], init: 'zeros' },
      { name: p + 'mlp.c_fc.weight', shape: [d, f], init: 'normal' },
      { name: p + 'mlp.c_fc.bias', shape: [f], init: 'zeros' },
      { name: p + 'mlp.c_proj.weight', shape: [f, d], init: 'normal-residual' },
      { name: p + 'mlp.c_proj.bias', shape: [d], init: 'zeros' },
    );
  }
  specs.push(
    { name: 'transformer.ln_f.weight', shape: [d], init: 'ones' },
    { name: 'transformer.ln_f.bias', shape: [d], init: 'zeros' },
  );
  if (!c.tieEmbeddings) specs.push({ name: 'lm_head.weight', shape: [c.vocabSize, d], init: 'normal' });
  return specs;
}

/** Throws with a readable message when a config cannot describe a model. */
export function validateGPTConfig(c: GPTConfig): void {
  const ints: (keyof GPTConfig)[] = ['vocabSize', 'nPositions', 'nEmbd', 'nLayer', 'nHead'];
  for (const k of ints) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new Error(`GPT config: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (c.nEmbd % c.nHead !== 0)
    throw new Error(`GPT config: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  if (!(c.layerNormEps > 0)) throw new Error(`GPT config: layerNormEps must be > 0, got ${c.layerNormEps}`);
  if (!(c.initStd > 0)) throw new Error(`GPT config: initStd must be > 0, got ${c.initStd}`);
  if (c.nInner !== undefined && (!Number.isInteger(c.nInner) || c.nInner <= 0))
    throw new Error(`GPT config: nInner must be a positive integer, got ${String(c.nInner)}`);
  if (c.activation !== undefined && !isActivation(c.activation))
    throw new Error(`GPT config: activation ${JSON.stringify(c.activation)} is not one of ${ACTIVATIONS.join(', ')}`);
}

/** Per-layer keys and values of the ids generated so far, and how many ids that is. */
export interface KVCache {
  layers: LayerKV[];
  length: number;
}

let modelCounter = 0;

export class GPT {
  readonly config: GPTConfig;
  /** Parameters by Hugging Face name. */
  readonly params = new Map<string, tf.Variable>();
  /** Prefix of the global tfjs variable names (tfjs variable names are global). */
  readonly scope: string;

  constructor(config: GPTConfig, seed = 0, scope?: string) {
    validateGPTConfig(config);
    this.config = { ...config };
    this.scope = scope ?? `gpt${modelCounter++}`;
    const residualStd = config.initStd / Math.sqrt(2 * config.nLayer);
    for (const spec of gptParamSpecs(config)) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      let values: Float32Array;
      if (spec.init === 'zeros') values = new Float32Array(size);
      else if (spec.init === 'ones') values = new Float32Array(size).fill(1);
      else {
        const std = spec.init === 'normal' ? config.initStd : residualStd;
        values = normalArray(new Rng(deriveSeed(seed, spec.name)), size, std);
      }
      // tf.variable keeps its own reference: the initial tensor is freed by the tidy (it would leak otherwise).
      this.params.set(
        spec.name,
        tf.tidy(() => tf.variable(tf.tensor(values, spec.shape, 'float32'), true, `${this.scope}/${spec.name}`)),
      );
    }
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`GPT: no parameter ${name}`);
    return v;
  }

  /** Total number of parameters. */
  numParams(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** Model FLOPs per trained token at context T (nanoGPT's estimate: 6·N + 12·L·d·T, N without positions). */
  flopsPerToken(T: number): number {
    const c = this.config;
    const n = this.numParams() - c.nPositions * c.nEmbd;
    return 6 * n + 12 * c.nLayer * c.nEmbd * T;
  }

  /** Token + position embeddings of ids (B, T) placed at positions start … start+T−1. */
  private embed(ids: tf.Tensor2D, start = 0): tf.Tensor3D {
    const T = ids.shape[1];
    const { nEmbd: d, nPositions } = this.config;
    if (start + T > nPositions) throw new Error(`GPT: sequence length ${start + T} exceeds nPositions ${nPositions}`);
    const pos =
      T === nPositions
        ? this.p('transformer.wpe.weight')
        : tf.slice(this.p('transformer.wpe.weight'), [start, 0], [T, d]);
    return embedding(this.p('transformer.wte.weight') as tf.Tensor2D, pos as tf.Tensor2D, ids);
  }

  private linear(x2d: tf.Tensor, prefix: string): tf.Tensor {
    return linear(x2d, this.p(prefix + '.weight'), this.p(prefix + '.bias'));
  }

  /** Block i's attention. With a cache (generation), x's positions attend to the cached ones too and cache[i] grows. */
  private attention(x: tf.Tensor3D, i: number, mask: tf.Tensor2D | null, cache?: KVCache): tf.Tensor3D {
    const [B, T, d] = x.shape;
    const H = this.config.nHead;
    const p = `transformer.h.${i}.attn`;
    const qkv = this.linear(tf.reshape(x, [B * T, d]), p + '.c_attn') as tf.Tensor2D; // (B·T, 3d)
    const scale = attentionScale(this.config, i);
    let y: tf.Tensor2D; // (B·T, d)
    if (cache) {
      const past = cache.layers[i] ?? null;
      const r = cachedAttention(qkv, B, T, H, scale, past, mask);
      if (past) tf.dispose([past.k, past.v]);
      cache.layers[i] = { k: tf.keep(r.kv.k), v: tf.keep(r.kv.v) };
      y = r.y;
    } else y = causalSelfAttention(qkv, B, T, H, scale, mask!);
    return tf.reshape(this.linear(y, p + '.c_proj'), [B, T, d]) as tf.Tensor3D;
  }

  private mlp(x: tf.Tensor3D, i: number): tf.Tensor3D {
    const [B, T, d] = x.shape;
    const p = `transformer.h.${i}.mlp`;
    const h = activate(this.linear(tf.reshape(x, [B * T, d]), p + '.c_fc'), this.config.activation ?? 'gelu_new');
    return tf.reshape(this.linear(h, p + '.c_proj'), [B, T, d]) as tf.Tensor3D;
  }

  /**
   * The final LayerNorm's output (B·n, d) for ids (B, T): n = T, or 1 (the last position) with `lastOnly`. With a
   * cache, ids continue the cached sequence (positions cache.length …) and the cache takes their keys and values.
   */
  private hidden(ids: tf.Tensor2D, lastOnly: boolean, cache?: KVCache): tf.Tensor2D {
    const [B, T] = ids.shape;
    const { nEmbd: d, nLayer, layerNormEps: eps } = this.config;
    const mask = T > 1 ? causalMask(T) : null;
    let x = this.embed(ids, cache?.length ?? 0);
    for (let i = 0; i < nLayer; i++) {
      const h = `transformer.h.${i}.`;
      x = tf.add(
        x,
        this.attention(
          layerNorm(x, this.p(h + 'ln_1.weight'), this.p(h + 'ln_1.bias'), eps) as tf.Tensor3D,
          i,
          mask,
          cache,
        ),
      );
      x = tf.add(x, this.mlp(layerNorm(x, this.p(h + 'ln_2.weight'), this.p(h + 'ln_2.bias'), eps) as tf.Tensor3D, i));
    }
    if (cache) cache.length += T;
    if (lastOnly) x = tf.slice(x, [0, T - 1, 0], [B, 1, d]);
    const xf = layerNorm(x, this.p('transformer.ln_f.weight'), this.p('transformer.ln_f.bias'), eps);
    return tf.reshape(xf, [-1, d]) as tf.Tensor2D;
  }

  private head(): tf.Variable {
    return this.config.tieEmbeddings ? this.p('transformer.wte.weight') : this.p('lm_head.weight');
  }

  /** Next-token logits (B, T, V) for int32 ids (B, T); with `lastOnly`, only the last position's (B, 1, V) — generation needs no more. */
  logits(ids: tf.Tensor2D, lastOnly = false): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      return tf.reshape(matMulBT(this.hidden(ids, lastOnly), this.head()), [
        B,
        lastOnly ? 1 : T,
        this.config.vocabSize,
      ]) as tf.Tensor3D;
    });
  }

  /**
   * Per-position next-token NLL (natural log), shape (B, T−1): entry t is −log p(ids[t+1] | ids[≤t]).
   * The head and the loss run on all T positions (the last one with a dummy target, then dropped): slicing the
   * (B, T, V) logits instead would copy them, and on wasm a slice copies its whole input first.
   */
  nll(ids: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      const targets = tf.concat([tf.slice(ids, [0, 1], [B, T - 1]), tf.zeros([B, 1], 'int32')], 1);
      const nll = crossEntropy(
        matMulBT(this.hidden(ids, false), this.head()),
        tf.reshape(targets, [B * T]) as tf.Tensor1D,
      );
      return tf.slice(tf.reshape(nll, [B, T]), [0, 0], [B, T - 1]) as tf.Tensor2D;
    });
  }

  /**
   * Auto-regressive generation. Each prompt row is extended by `maxNewTokens` ids; all rows must have equal length.
   * `allowed(pos)` may restrict the ids at absolute position `pos` (e.g. image ids only at image positions).
   * With `cache` (default) each new id runs through the model alone against the cached keys and values of the
   * ids before it (O(t) per id instead of O(t²)); without, the whole context is recomputed at every step. The context
   * is cropped to the last nPositions ids when it grows longer (the cache is then rebuilt from the cropped window,
   * which is what the uncached path computes). `onLogits` sees each step's logits [B·V] (tests, diagnostics).
   */
  async generate(
    prompts: number[][],
    maxNewTokens: number,
    opts: SampleOptions & {
      seed?: number;
      allowed?: (pos: number) => Uint8Array | null;
      cache?: boolean;
      onLogits?: (step: number, logits: Float32Array) => void;
    },
  ): Promise<number[][]> {
    if (prompts.length === 0) return [];
    const L = prompts[0].length;
    if (L === 0 || prompts.some((p) => p.length !== L))
      throw new Error('GPT.generate: prompts must be non-empty and of equal length');
    const rng = new Rng(opts.seed ?? 0);
    const seqs = prompts.map((p) => p.slice());
    const { vocabSize: V, nPositions } = this.config;
    const useCache = opts.cache ?? true;
    let cache: KVCache | null = null;
    const drop = () => {
      if (cache) for (const l of cache.layers) tf.dispose([l.k, l.v]);
      cache = null;
    };
    try {
      for (let step = 0; step < maxNewTokens; step++) {
        const start = Math.max(0, seqs[0].length - nPositions);
        if (cache && start > 0) drop(); // the window slid: positions changed, rebuild
        const fresh: KVCache | null = useCache && !cache ? { layers: [], length: 0 } : null;
        const feed = !useCache || fresh ? seqs.map((s) => s.slice(start)) : seqs.map((s) => s.slice(-1));
        const last = tf.tidy(() => {
          const ids = tf.tensor2d(feed, [feed.length, feed[0].length], 'int32');
          return tf.reshape(matMulBT(this.hidden(ids, true, fresh ?? cache ?? undefined), this.head()), [
            feed.length,
            V,
          ]);
        });
        if (fresh) cache = fresh;
        const values = (await last.data()) as Float32Array;
        last.dispose();
        opts.onLogits?.(step, values);
        const mask = opts.allowed ? opts.allowed(seqs[0].length) : null;
        for (let b = 0; b < seqs.length; b++)
          seqs[b].push(sampleToken(values.subarray(b * V, (b + 1) * V), rng, opts, mask));
      }
    } finally {
      drop();
    }
    return seqs;
  }

  /** Replace parameter values (shapes must match). */
  assign(name: string, values: Float32Array): void {
    const v = this.p(name);
    if (values.length !== v.size)
      throw new Error(`GPT: ${name} expects ${v.size} values (shape [${v.shape}]), got ${values.length}`);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
