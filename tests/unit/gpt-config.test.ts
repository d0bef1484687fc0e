// GPT2Config fields that change the math (issue 11, kind 1): each option of GPTConfig against the float64 reference
// (forward and finite-difference gradients), config.json → config for every GPT2Config field (implemented, or
// refused naming field and value), and the token ids config.json carries staying inside the vocabulary.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { configFromHF, configToHF, loadGPT2, saveGPT2, specialTokenIds } from '../../src/core/checkpoint/gpt2';
import { memorySource } from '../../src/core/checkpoint/source';
import { ACTIVATIONS } from '../../src/core/nn/activations';
import { GPT, attentionScale, mlpWidth, type GPTConfig } from '../../src/core/nn/gpt';
import { Rng } from '../../src/core/nn/init';
import { activation64, erf64, referenceLogits, referenceNll } from './reference/gpt64';
import { expectAllclose, expectGradsMatchFiniteDifferences, useBackend, weights64 } from './helpers/tf';

const base: GPTConfig = {
  vocabSize: 29,
  nPositions: 12,
  nEmbd: 16,
  nLayer: 3,
  nHead: 4,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.3,
};

function ids(seed: number, T: number, V: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: T }, () => rng.int(V));
}

async function logitsOf(model: GPT, row: number[]): Promise<Float32Array> {
  const t = tf.tensor2d([row], [1, row.length], 'int32');
  const out = model.logits(t);
  const data = (await out.data()) as Float32Array;
  tf.dispose([t, out]);
  return data;
}

describe('GPTConfig options against the float64 reference', () => {
  it('erf64 (the reference GELU) matches tabulated erf values', () => {
    // Abramowitz & Stegun, table 7.1.
    for (const [x, e] of [
      [0.1, 0.112462916],
      [0.5, 0.5204998778],
      [1, 0.8427007929],
      [2, 0.995322265],
      [3.5, 0.9999992569],
    ]) {
      expect(erf64(x)).toBeCloseTo(e, 9);
      expect(erf64(-x)).toBeCloseTo(-e, 9);
    }
  });

  it.each(ACTIVATIONS)('activation_function %s: logits match within 1e-4', async (activation) => {
    await useBackend('cpu');
    const config = { ...base, activation };
    const model = new GPT(config, 11);
    const row = ids(2, 10, config.vocabSize);
    expectAllclose(
      await logitsOf(model, row),
      referenceLogits(config, weights64(model), row).flatMap((r) => Array.from(r)),
      1e-4,
      1e-5,
    );
    model.dispose();
  });

  it('the activations differ where they should (so the parity above tells them apart)', () => {
    const at = (name: string) => activation64(name, 1.3);
    expect(at('gelu')).not.toBeCloseTo(at('gelu_new'), 5);
    expect(at('quick_gelu')).not.toBeCloseTo(at('gelu'), 3);
    expect(activation64('gelu_10', 30)).toBe(10);
    expect(activation64('leaky_relu', -2)).toBeCloseTo(-0.02, 12);
    expect(activation64('relu6', 9)).toBe(6);
  });

  it.each([
    ['n_inner 24', { nInner: 24 }],
    ['scale_attn_weights false', { scaleAttnWeights: false }],
    ['scale_attn_by_inverse_layer_idx', { scaleAttnByInverseLayerIdx: true }],
    [
      'all of them with an untied head',
      {
        nInner: 40,
        scaleAttnWeights: false,
        scaleAttnByInverseLayerIdx: true,
        activation: 'quick_gelu' as const,
        tieEmbeddings: false,
      },
    ],
  ])('%s: logits match within 1e-4 and differ from the default model', async (_, opts) => {
    await useBackend('cpu');
    const config: GPTConfig = { ...base, ...opts };
    const model = new GPT(config, 5);
    const W = weights64(model);
    const row = ids(4, 12, config.vocabSize);
    const got = await logitsOf(model, row);
    expectAllclose(
      got,
      referenceLogits(config, W, row).flatMap((r) => Array.from(r)),
      1e-4,
      1e-5,
    );
    if (config.nInner === undefined) {
      // Same weights, default options: a model that ignored the option would give these logits.
      const plain = referenceLogits({ ...base, tieEmbeddings: config.tieEmbeddings }, W, row).flatMap((r) =>
        Array.from(r),
      );
      expect(Math.max(...plain.map((v, i) => Math.abs(v - got[i])))).toBeGreaterThan(1e-3);
    } else {
      expect(model.params.get('transformer.h.0.mlp.c_fc.weight')!.shape).toEqual([16, config.nInner]);
      expect(model.params.get('transformer.h.2.mlp.c_proj.weight')!.shape).toEqual([config.nInner, 16]);
    }
    model.dispose();
  });

  it('attentionScale and mlpWidth follow GPT2Attention and GPT2Block', () => {
    expect(attentionScale(base, 0)).toBeCloseTo(1 / 2, 12); // head size 4
    expect(attentionScale({ ...base, scaleAttnByInverseLayerIdx: true }, 2)).toBeCloseTo(1 / 6, 12);
    expect(attentionScale({ ...base, scaleAttnWeights: false, scaleAttnByInverseLayerIdx: true }, 1)).toBeCloseTo(
      1 / 2,
      12,
    );
    expect(mlpWidth(base)).toBe(64);
    expect(mlpWidth({ ...base, nInner: 7 })).toBe(7);
  });

  it('gradients with erf GELU, n_inner and inverse-layer scaling match central differences of the reference', async () => {
    await useBackend('cpu');
    const config: GPTConfig = {
      ...base,
      nLayer: 2,
      nEmbd: 8,
      nHead: 2,
      vocabSize: 11,
      activation: 'gelu',
      nInner: 12,
      scaleAttnByInverseLayerIdx: true,
    };
    const model = new GPT(config, 3);
    const rows = [ids(7, 6, 11), ids(8, 6, 11)];
    const idsT = tf.tensor2d(rows, [2, 6], 'int32');
    const vars = [...model.params.values()];
    const { grads, value } = tf.variableGrads(() => tf.mean(model.nll(idsT)) as tf.Scalar, vars);
    const W = weights64(model);
    const refLoss = () => rows.flatMap((r) => referenceNll(config, W, r)).reduce((a, b) => a + b, 0) / 10;
    expect(value.dataSync()[0]).toBeCloseTo(refLoss(), 5);
    expectGradsMatchFiniteDifferences(model, grads, W, refLoss, new Rng(1), 3);
    tf.dispose([idsT, value, ...Object.values(grads)]);
    model.dispose();
  });
});

describe('config.json fields', () => {
  const hf = configToHF(base);

  it('reads every math-changing GPT2Config field and writes it back', () => {
    const c = configFromHF({
      ...hf,
      n_inner: 24,
      activation_function: 'silu',
      scale_attn_weights: false,
      scale_attn_by_inverse_layer_idx: true,
      reorder_and_upcast_attn: true,
      layer_norm_epsilon: 1e-6,
      tie_word_embeddings: false,
    });
    expect(c).toEqual({
      ...base,
      nInner: 24,
      activation: 'silu',
      scaleAttnWeights: false,
      scaleAttnByInverseLayerIdx: true,
      layerNormEps: 1e-6,
      tieEmbeddings: false,
    });
    const back = configToHF(c);
    expect(back).toMatchObject({
      n_inner: 24,
      activation_function: 'silu',
      scale_attn_weights: false,
      scale_attn_by_inverse_layer_idx: true,
      reorder_and_upcast_attn: false,
      layer_norm_epsilon: 1e-6,
      tie_word_embeddings: false,
    });
    expect(configFromHF(back)).toEqual(c);
  });

  it('keeps a plain GPT-2 config minimal (defaults, n_inner null or 4·n_embd, dropout, summary fields)', () => {
    const plain = {
      ...hf,
      n_inner: 64,
      resid_pdrop: 0.1,
      embd_pdrop: 0.1,
      attn_pdrop: 0.1,
      summary_type: 'cls_index',
      summary_use_proj: true,
      use_cache: true,
      bos_token_id: 50256,
    };
    expect(configFromHF(plain)).toEqual(base);
    expect(configFromHF({ ...hf, n_inner: null })).toEqual(base);
  });

  it("takes transformers' attribute_map aliases (hidden_size, num_hidden_layers, …)", () => {
    const { n_embd: _e, n_layer: _l, n_head: _h, n_positions: _p, n_ctx: _c, ...rest } = hf;
    expect(
      configFromHF({
        ...rest,
        hidden_size: 16,
        num_hidden_layers: 3,
        num_attention_heads: 4,
        max_position_embeddings: 12,
      }),
    ).toEqual(base);
    expect(() => configFromHF({ ...hf, hidden_size: 32 }, 'c.json')).toThrow(
      /c\.json: fields "n_embd" \(16\) and "hidden_size" \(32\) disagree/,
    );
  });

  it.each([
    [
      { activation_function: 'xielu' },
      /field "activation_function" is "xielu", which this GPT does not implement; supported: gelu_new/,
    ],
    [{ add_cross_attention: true }, /field "add_cross_attention" is true: cross-attention layers .* are not supported/],
    [{ pruned_heads: { 0: [1] } }, /field "pruned_heads" is \{"0":\[1\]\}: pruned attention heads are not supported/],
    [{ scale_attn_weights: 'yes' }, /field "scale_attn_weights" must be true or false, got "yes"/],
    [{ scale_attn_by_inverse_layer_idx: 1 }, /field "scale_attn_by_inverse_layer_idx" must be true or false, got 1/],
    [{ reorder_and_upcast_attn: 'true' }, /field "reorder_and_upcast_attn" must be true or false/],
    [{ n_inner: 0 }, /field "n_inner" must be a positive integer, got 0/],
    [{ layer_norm_epsilon: -1 }, /field "layer_norm_epsilon" must be a positive number, got -1/],
    [{ model_type: 'gptj' }, /model_type is "gptj"; only "gpt2"/],
  ])('refuses %j naming the field and value', (patch, message) => {
    expect(() => configFromHF({ ...hf, ...patch }, 'dir/config.json')).toThrow(
      new RegExp(`^dir/config\\.json: ${message.source}`),
    );
  });

  it('a checkpoint with scale_attn_by_inverse_layer_idx loads to the reference NLL of that scaling, not the default', async () => {
    await useBackend('cpu');
    const config: GPTConfig = { ...base, scaleAttnByInverseLayerIdx: true };
    const model = new GPT(config, 9);
    const files = saveGPT2(model);
    expect(JSON.parse(new TextDecoder().decode(files.get('config.json')!)).scale_attn_by_inverse_layer_idx).toBe(true);
    const loaded = await loadGPT2(memorySource('ckpt', files));
    const W = weights64(model);
    const row = ids(3, 12, config.vocabSize);
    const t = tf.tensor2d([row], [1, 12], 'int32');
    const nll = Array.from(loaded.model.nll(t).dataSync());
    const want = referenceNll(config, W, row);
    expectAllclose(nll, want, 1e-4);
    const wrong = referenceNll(base, W, row);
    expect(Math.abs(nll.reduce((a, b) => a + b) - wrong.reduce((a, b) => a + b))).toBeGreaterThan(1e-3);
    t.dispose();
    model.dispose();
    loaded.model.dispose();
  });
});

describe('token ids in config.json', () => {
  it('come from the special tokens and are never outside the vocabulary', () => {
    const special = { '<|bos|>': 20, '<|boi|>': 21, '<|eoi|>': 22, '<|pad|>': 23 };
    expect(specialTokenIds(24, special)).toEqual({ bos_token_id: 20, eos_token_id: null, pad_token_id: 23 });
    expect(specialTokenIds(30, special, true)).toEqual({ bos_token_id: 20, eos_token_id: 22, pad_token_id: 23 });
    expect(specialTokenIds(50257, { '<|endoftext|>': 50256 })).toEqual({
      bos_token_id: 50256,
      eos_token_id: 50256,
      pad_token_id: null,
    });
    expect(specialTokenIds(2048, { '<|endoftext|>': 50256 })).toEqual({
      bos_token_id: null,
      eos_token_id: null,
      pad_token_id: null,
    });
  });

  it("saveGPT2 writes them explicitly (null rather than transformers' 50256 default)", () => {
    const model = new GPT(base, 1);
    const read = (files: Map<string, Uint8Array>) => JSON.parse(new TextDecoder().decode(files.get('config.json')!));
    expect(read(saveGPT2(model))).toMatchObject({ bos_token_id: null, eos_token_id: null, pad_token_id: null });
    expect(
      read(saveGPT2(model, { specialTokens: { '<|bos|>': 25, '<|boi|>': 26, '<|eoi|>': 27, '<|pad|>': 28 } })),
    ).toMatchObject({ bos_token_id: 25, eos_token_id: null, pad_token_id: 28 });
    model.dispose();
  });
});
