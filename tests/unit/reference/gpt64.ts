// An independent float64 GPT-2 forward pass in plain loops (no tfjs), used as the reference for parity tests.
// Written from the GPT-2 equations, not from src/core/nn/gpt.ts: pre-LN blocks, causal softmax attention, GELU (tanh)
// by default, and the GPT2Config options that change the math (n_inner, activation_function, scale_attn_weights,
// scale_attn_by_inverse_layer_idx) written out from transformers' GPT2Attention / GPT2MLP / ACT2FN.
import type { GPTConfig } from '../../../src/core/nn/gpt';

export type Weights = Map<string, { shape: number[]; data: Float64Array }>;

function w(weights: Weights, name: string): Float64Array {
  const t = weights.get(name);
  if (!t) throw new Error(`reference: missing ${name}`);
  return t.data;
}

/** y[T, out] = x[T, in] · W[in, out] + b[out] (Conv1D layout). */
function linear(x: Float64Array[], W: Float64Array, b: Float64Array, nIn: number, nOut: number): Float64Array[] {
  return x.map((row) => {
    const y = new Float64Array(nOut);
    for (let o = 0; o < nOut; o++) y[o] = b[o];
    for (let i = 0; i < nIn; i++) {
      const xi = row[i];
      for (let o = 0; o < nOut; o++) y[o] += xi * W[i * nOut + o];
    }
    return y;
  });
}

function layerNorm(x: Float64Array[], g: Float64Array, b: Float64Array, eps: number): Float64Array[] {
  return x.map((row) => {
    const n = row.length;
    let mean = 0;
    for (const v of row) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of row) variance += (v - mean) ** 2;
    variance /= n;
    const inv = 1 / Math.sqrt(variance + eps);
    return row.map((v, i) => (v - mean) * inv * g[i] + b[i]);
  });
}

function gelu(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
}

/** erf by its Maclaurin series (|x| < 3) or continued fraction of erfc (|x| ≥ 3), both to ~1e-15. */
export function erf64(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = exp(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …)))) (Lentz-free backward evaluation)
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (a + f);
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f));
}

/** transformers' ACT2FN, in float64. */
export function activation64(name: string, v: number): number {
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  switch (name) {
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_accurate':
      return gelu(v);
    case 'gelu_fast':
      return 0.5 * v * (1 + Math.tanh(v * 0.7978845608 * (1 + 0.044715 * v * v)));
    case 'gelu':
    case 'gelu_python':
      return 0.5 * v * (1 + erf64(v / Math.SQRT2));
    case 'gelu_10':
      return Math.min(10, Math.max(-10, 0.5 * v * (1 + erf64(v / Math.SQRT2))));
    case 'quick_gelu':
      return v * sigmoid(1.702 * v);
    case 'relu':
      return Math.max(0, v);
    case 'relu6':
      return Math.min(6, Math.max(0, v));
    case 'leaky_relu':
      return v >= 0 ? v : 0.01 * v;
    case 'silu':
    case 'swish':
      return v * sigmoid(v);
    case 'mish':
      return v * Math.tanh(Math.log1p(Math.exp(v)));
    case 'tanh':
      return Math.tanh(v);
    case 'sigmoid':
      return sigmoid(v);
    case 'linear':
      return v;
    default:
      throw new Error(`reference: no activation ${name}`);
  }
}

/** Logits [T][V] for one sequence. */
export function referenceLogits(c: GPTConfig, weights: Weights, ids: number[]): Float64Array[] {
  const d = c.nEmbd;
  const H = c.nHead;
  const hd = d / H;
  const inner = c.nInner ?? 4 * d;
  const act = c.activation ?? 'gelu_new';
  const T = ids.length;
  const wte = w(weights, 'transformer.wte.weight');
  const wpe = w(weights, 'transformer.wpe.weight');
  let x = ids.map((id, t) => {
    const row = new Float64Array(d);
    for (let j = 0; j < d; j++) row[j] = wte[id * d + j] + wpe[t * d + j];
    return row;
  });
  for (let l = 0; l < c.nLayer; l++) {
    const p = `transformer.h.${l}.`;
    const h1 = layerNorm(x, w(weights, p + 'ln_1.weight'), w(weights, p + 'ln_1.bias'), c.layerNormEps);
    const qkv = linear(h1, w(weights, p + 'attn.c_attn.weight'), w(weights, p + 'attn.c_attn.bias'), d, 3 * d);
    const att = Array.from({ length: T }, () => new Float64Array(d));
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let j = 0; j < hd; j++) dot += qkv[t][h * hd + j] * qkv[s][d + h * hd + j];
          let score = c.scaleAttnWeights === false ? dot : dot / Math.sqrt(hd);
          if (c.scaleAttnByInverseLayerIdx) score /= l + 1;
          scores.push(score);
        }
        const m = Math.max(...scores);
        const e = scores.map((v) => Math.exp(v - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++)
          for (let j = 0; j < hd; j++) att[t][h * hd + j] += (e[s] / z) * qkv[s][2 * d + h * hd + j];
      }
    }
    const proj = linear(att, w(weights, p + 'attn.c_proj.weight'), w(weights, p + 'attn.c_proj.bias'), d, d);
    x = x.map((row, t) => row.map((v, j) => v + proj[t][j]));
    const h2 = layerNorm(x, w(weights, p + 'ln_2.weight'), w(weights, p + 'ln_2.bias'), c.layerNormEps);
    const fc = linear(h2, w(weights, p + 'mlp.c_fc.weight'), w(weights, p + 'mlp.c_fc.bias'), d, inner).map((r) =>
      r.map((v) => activation64(act, v)),
    );
    const out = linear(fc, w(weights, p + 'mlp.c_proj.weight'), w(weights, p + 'mlp.c_proj.bias'), inner, d);
    x = x.map((row, t) => row.map((v, j) => v + out[t][j]));
  }
  const xf = layerNorm(x, w(weights, 'transformer.ln_f.weight'), w(weights, 'transformer.ln_f.bias'), c.layerNormEps);
  const head = c.tieEmbeddings ? wte : w(weights, 'lm_head.weight');
  return xf.map((row) => {
    const out = new Float64Array(c.vocabSize);
    for (let v = 0; v < c.vocabSize; v++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += row[j] * head[v * d + j];
      out[v] = s;
    }
    return out;
  });
}

/** Per-position next-token NLL [T−1] for one sequence. */
export function referenceNll(c: GPTConfig, weights: Weights, ids: number[]): number[] {
  const logits = referenceLogits(c, weights, ids);
  const out: number[] = [];
  for (let t = 0; t < ids.length - 1; t++) {
    const row = logits[t];
    const m = Math.max(...row);
    let z = 0;
    for (const v of row) z += Math.exp(v - m);
    out.push(Math.log(z) + m - row[ids[t + 1]]);
  }
  return out;
}
