// Our checkpoints read the way Hugging Face `transformers` reads them (issue 11, kind 11; docs/features.md's claim that
// they load in GPT2LMHeadModel): config.json as GPT2Config (types, a known activation, token ids inside the vocabulary
// — transformers warns otherwise), model.safetensors with `format: pt` metadata, F32 tensors, exactly
// GPT2LMHeadModel's state-dict keys and shapes (none missing, none unexpected), and tokenizer.json through Hugging
// Face's Rust `tokenizers` (what PreTrainedTokenizerFast runs) with every id it can produce inside the embedding.
// The checker below is written from transformers' modeling_gpt2.py / configuration_gpt2.py, not from our loader.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { saveGPT2 } from '../../src/core/checkpoint/gpt2';
import { GPT, type GPTConfig } from '../../src/core/nn/gpt';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import { planVocab } from '../../src/core/experiment/extend';
import { ExperimentRunner } from '../../src/core/experiment/runner';
import { saveRun } from '../../src/core/experiment/resume';
import { Rng } from '../../src/core/nn/init';
import type { ExperimentData } from '../../src/core/experiment/data';
import { trainBPE } from '../../src/core/tokenize/train-bpe';
import { useBackend } from './helpers/tf';

/** transformers' ACT2FN names. */
const ACT2FN = [
  'gelu',
  'gelu_10',
  'gelu_fast',
  'gelu_new',
  'gelu_python',
  'gelu_pytorch_tanh',
  'gelu_accurate',
  'laplace',
  'leaky_relu',
  'linear',
  'mish',
  'quick_gelu',
  'relu',
  'relu2',
  'relu6',
  'sigmoid',
  'silu',
  'swish',
  'tanh',
  'prelu',
  'xielu',
];

/** Read a checkpoint as transformers does; returns the problems it would raise or warn about. */
function transformersProblems(files: Map<string, Uint8Array>): string[] {
  const problems: string[] = [];
  const cfg = JSON.parse(new TextDecoder().decode(files.get('config.json')!)) as Record<string, unknown>;
  const int = (k: string) =>
    Number.isInteger(cfg[k]) && (cfg[k] as number) > 0
      ? (cfg[k] as number)
      : (problems.push(`config ${k} is not a positive integer`), 1);
  if (cfg.model_type !== 'gpt2') problems.push('model_type is not gpt2');
  if (!(cfg.architectures as string[] | undefined)?.includes('GPT2LMHeadModel'))
    problems.push('architectures lacks GPT2LMHeadModel');
  const V = int('vocab_size');
  const T = int('n_positions');
  const d = int('n_embd');
  const L = int('n_layer');
  if (d % int('n_head') !== 0) problems.push('n_embd not divisible by n_head');
  const inner = cfg.n_inner === null || cfg.n_inner === undefined ? 4 * d : (cfg.n_inner as number);
  if (!ACT2FN.includes(cfg.activation_function as string))
    problems.push(`activation_function ${String(cfg.activation_function)} is not in ACT2FN`);
  for (const k of [
    'scale_attn_weights',
    'scale_attn_by_inverse_layer_idx',
    'reorder_and_upcast_attn',
    'tie_word_embeddings',
  ])
    if (cfg[k] !== undefined && typeof cfg[k] !== 'boolean') problems.push(`${k} is not a boolean`);
  if (typeof cfg.layer_norm_epsilon !== 'number') problems.push('layer_norm_epsilon is not a number');
  // GPT2Config defaults bos/eos to 50256 when absent: they must be written, and name ids that exist.
  for (const k of ['bos_token_id', 'eos_token_id'])
    if (!(k in cfg)) problems.push(`${k} absent (GPT2Config would default it to 50256)`);
  for (const k of ['bos_token_id', 'eos_token_id', 'pad_token_id']) {
    const id = cfg[k];
    if (id !== null && id !== undefined && !(Number.isInteger(id) && (id as number) >= 0 && (id as number) < V))
      problems.push(`${k} ${String(id)} is outside [0, ${V})`);
  }

  const bytes = files.get('model.safetensors')!;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  > & { __metadata__?: Record<string, string> };
  if (!['pt', 'tf', 'flax', 'mlx'].includes(header.__metadata__?.format ?? ''))
    problems.push('safetensors metadata has no valid "format" (transformers refuses the file)');
  const expected = new Map<string, number[]>([
    ['transformer.wte.weight', [V, d]],
    ['transformer.wpe.weight', [T, d]],
    ['transformer.ln_f.weight', [d]],
    ['transformer.ln_f.bias', [d]],
  ]);
  for (let i = 0; i < L; i++) {
    const p = `transformer.h.${i}.`;
    for (const ln of ['ln_1', 'ln_2']) for (const w of ['weight', 'bias']) expected.set(`${p}${ln}.${w}`, [d]);
    // Conv1D stores weight as [nx (in), nf (out)].
    expected.set(`${p}attn.c_attn.weight`, [d, 3 * d]).set(`${p}attn.c_attn.bias`, [3 * d]);
    expected.set(`${p}attn.c_proj.weight`, [d, d]).set(`${p}attn.c_proj.bias`, [d]);
    expected.set(`${p}mlp.c_fc.weight`, [d, inner]).set(`${p}mlp.c_fc.bias`, [inner]);
    expected.set(`${p}mlp.c_proj.weight`, [inner, d]).set(`${p}mlp.c_proj.bias`, [d]);
  }
  if (cfg.tie_word_embeddings === false) expected.set('lm_head.weight', [V, d]);
  const keys = Object.keys(header).filter((k) => k !== '__metadata__');
  for (const k of keys) {
    if (!expected.has(k)) problems.push(`unexpected key ${k}`);
    else if (header[k].shape.join(',') !== expected.get(k)!.join(','))
      problems.push(`${k} has shape [${header[k].shape}], GPT2LMHeadModel has [${expected.get(k)}]`);
    if (header[k].dtype !== 'F32') problems.push(`${k} is ${header[k].dtype}, not F32`);
  }
  for (const k of expected.keys())
    if (!keys.includes(k)) problems.push(`missing key ${k} (transformers would initialise it randomly)`);

  const tj = files.get('tokenizer.json');
  if (tj) {
    const tok = RustTokenizer.fromString(new TextDecoder().decode(tj));
    const size = tok.getVocabSize(true);
    if (size > V) problems.push(`the tokenizer has ${size} ids, the embedding ${V} rows`);
    const named: [string, string][] = [
      ['bos_token_id', '<|bos|>'],
      ['pad_token_id', '<|pad|>'],
    ];
    for (const [k, token] of named)
      if (cfg[k] !== null && cfg[k] !== undefined && tok.idToToken(cfg[k] as number) !== token)
        problems.push(`${k} ${String(cfg[k])} is ${tok.idToToken(cfg[k] as number)}, not ${token}`);
  }
  return problems;
}

describe('our checkpoints read as transformers reads them', () => {
  beforeAll(() => useBackend('cpu'));

  it('the shipped pre-trained LM (public/models/lm-austen)', () => {
    const dir = 'public/models/lm-austen';
    const files = new Map(
      ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => [
        f,
        new Uint8Array(readFileSync(`${dir}/${f}`)),
      ]),
    );
    expect(transformersProblems(files)).toEqual([]);
    const cfg = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8'));
    expect(cfg.bos_token_id).toBe(2044); // <|bos|> of its 2,048-id vocabulary, not GPT-2's 50256
  });

  it('a model saved with every config option, an untied head and a trained tokenizer', () => {
    const tok = trainBPE('the cat sat on the mat. the dog sat on the log. ', { vocabSize: 280 });
    const config: GPTConfig = {
      vocabSize: tok.vocabSize,
      nPositions: 16,
      nEmbd: 8,
      nLayer: 2,
      nHead: 2,
      layerNormEps: 1e-5,
      tieEmbeddings: false,
      initStd: 0.02,
      nInner: 12,
      activation: 'quick_gelu',
      scaleAttnByInverseLayerIdx: true,
    };
    const model = new GPT(config, 1);
    const files = saveGPT2(model, { specialTokens: Object.fromEntries(tok.special) }, tok.toTokenizerJson());
    expect(transformersProblems(files)).toEqual([]);
    model.dispose();
  });

  it('a replicate run checkpoint (text + image vocabulary, bos/eos/pad of its sequences)', async () => {
    const rng = new Rng(2);
    const plan = planVocab(
      20,
      new Map([
        ['<|bos|>', 16],
        ['<|boi|>', 17],
        ['<|eoi|>', 18],
        ['<|pad|>', 19],
      ]),
      8,
    );
    const split = (k: number) => ({
      codes: Int32Array.from({ length: k * 4 }, () => rng.int(8)),
      captions: Array.from({ length: k }, () => [rng.int(16)]),
      text: Array.from({ length: k }, () => 'c'),
      count: k,
    });
    const data: ExperimentData = {
      plan,
      imageTokens: 4,
      train: split(8),
      val: split(4),
      english: { train: Int32Array.from({ length: 200 }, () => rng.int(16)), heldout: [1, 2, 3, 4], ood: [4, 3, 2, 1] },
    };
    const lm = new GPT(
      {
        vocabSize: 20,
        nPositions: 16,
        nEmbd: 8,
        nLayer: 1,
        nHead: 2,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.2,
      },
      3,
      'tl-lm',
    );
    const cfg: ExperimentConfig = {
      ...PRESETS.smoke,
      arms: ['pretrained'],
      captionBudget: 2,
      batchSize: 2,
      steps: 2,
      evalEvery: 2,
      evalImages: 4,
      englishTokens: 4,
      warmupSteps: 1,
    };
    const runner = new ExperimentRunner(cfg, data, lm);
    const files = saveRun(runner.runs[0], plan);
    expect(transformersProblems(files)).toEqual([]);
    const c = JSON.parse(new TextDecoder().decode(files.get('config.json')!));
    expect([c.bos_token_id, c.eos_token_id, c.pad_token_id]).toEqual([16, 18, 19]);
    runner.dispose();
    lm.dispose();
  });

  it('the checker itself catches what transformers would complain about', () => {
    const model = new GPT(
      {
        vocabSize: 30,
        nPositions: 8,
        nEmbd: 8,
        nLayer: 1,
        nHead: 2,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.02,
      },
      1,
    );
    const files = saveGPT2(model);
    const cfg = JSON.parse(new TextDecoder().decode(files.get('config.json')!));
    const { bos_token_id: _b, ...noBos } = cfg;
    files.set(
      'config.json',
      new TextEncoder().encode(JSON.stringify({ ...noBos, eos_token_id: 50256, activation_function: 'gelu_newer' })),
    );
    expect(transformersProblems(files)).toEqual([
      'activation_function gelu_newer is not in ACT2FN',
      'bos_token_id absent (GPT2Config would default it to 50256)',
      'eos_token_id 50256 is outside [0, 30)',
    ]);
    model.dispose();
  });
});
