/**
 * The Hugging Face GPT-2 directory layout (design.md §4, contract): `config.json` (GPT2Config), `model.safetensors`
 * (GPT2LMHeadModel tensor names, Conv1D weights [in, out]), `tokenizer.json`, and `tabula.json` for what GPT-2 has
 * no field for. Loads both key styles found in the wild — the original `gpt2` upload (`h.0.ln_1.weight`, with
 * `attn.bias` / `attn.masked_bias` buffers, skipped) and `save_pretrained` output (`transformer.h.0...`, plus
 * `lm_head.weight` when untied) — and checks every tensor's name, dtype, shape and byte range before using any.
 */
import { GPT, gptParamSpecs, validateGPTConfig, type GPTConfig } from '../nn/gpt';
import { CheckpointError } from './errors';
import { FLOAT_DTYPES, parseSafetensors, writeSafetensors } from './safetensors';
import { readText, type FileSource } from './source';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TABULA_FILE = 'tabula.json';

/** What tabula.json records beyond GPT2Config. Free-form provenance lives under `provenance`. */
export interface TabulaMeta {
  format: 'tabula-gpt2';
  version: 1;
  /** Special token ids by name (e.g. `<|bos|>`). */
  specialTokens?: Record<string, number>;
  /** First image-token id and how many there are, once the vocabulary is extended. */
  imageTokens?: { offset: number; count: number };
  provenance?: Record<string, unknown>;
}

const GELU_TANH = ['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'];

/** GPT2Config JSON → our config, refusing what this model cannot represent. */
export function configFromHF(json: unknown, file = CONFIG_FILE): GPTConfig {
  if (typeof json !== 'object' || json === null) throw new CheckpointError(file, 'is not a JSON object');
  const j = json as Record<string, unknown>;
  const int = (key: string, fallback?: string): number => {
    const v = j[key] ?? (fallback ? j[fallback] : undefined);
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new CheckpointError(file, `field "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  if (j.model_type !== undefined && j.model_type !== 'gpt2') throw new CheckpointError(file, `model_type is ${JSON.stringify(j.model_type)}; only "gpt2" checkpoints can be loaded`);
  const act = j.activation_function ?? 'gelu_new';
  if (typeof act !== 'string' || !GELU_TANH.includes(act)) throw new CheckpointError(file, `activation_function ${JSON.stringify(act)} is not supported (this GPT uses GELU, tanh form: ${GELU_TANH.join(', ')})`);
  const nEmbd = int('n_embd');
  if (j.n_inner !== undefined && j.n_inner !== null && j.n_inner !== 4 * nEmbd) throw new CheckpointError(file, `n_inner ${JSON.stringify(j.n_inner)} is not supported (must be null or 4·n_embd = ${4 * nEmbd})`);
  const eps = j.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) throw new CheckpointError(file, `layer_norm_epsilon must be a positive number, got ${JSON.stringify(eps)}`);
  const config: GPTConfig = {
    vocabSize: int('vocab_size'),
    nPositions: int('n_positions', 'n_ctx'),
    nEmbd,
    nLayer: int('n_layer'),
    nHead: int('n_head'),
    layerNormEps: eps,
    tieEmbeddings: j.tie_word_embeddings === undefined ? true : Boolean(j.tie_word_embeddings),
    initStd: typeof j.initializer_range === 'number' ? j.initializer_range : 0.02,
  };
  try {
    validateGPTConfig(config);
  } catch (e) {
    throw new CheckpointError(file, (e as Error).message);
  }
  return config;
}

/** Our config → GPT2Config JSON (loads with transformers' GPT2LMHeadModel). */
export function configToHF(c: GPTConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_ctx: c.nPositions,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: null,
    activation_function: 'gelu_new',
    layer_norm_epsilon: c.layerNormEps,
    initializer_range: c.initStd,
    tie_word_embeddings: c.tieEmbeddings,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    ...extra,
  };
}

/** Map a tensor name of either key style to ours; null for buffers that carry no weights. */
export function canonicalName(name: string): string | null {
  if (/(^|\.)attn\.(bias|masked_bias)$/.test(name)) return null; // causal-mask buffers of the original upload
  if (name.startsWith('transformer.') || name === 'lm_head.weight') return name;
  if (/^(h\.\d+\.|wte\.|wpe\.|ln_f\.)/.test(name)) return 'transformer.' + name;
  return name;
}

export interface LoadedGPT2 {
  model: GPT;
  config: GPTConfig;
  tabula: TabulaMeta | null;
  /** The raw tokenizer.json text, when the directory has one. */
  tokenizerJson: string | null;
}

/** Load a GPT-2-layout directory into a new GPT, or throw a CheckpointError naming the file and tensor. */
export async function loadGPT2(src: FileSource, scope?: string): Promise<LoadedGPT2> {
  const cfgText = await readText(src, CONFIG_FILE);
  const at = (f: string) => `${src.label}/${f}`;
  if (cfgText === null) throw new CheckpointError(at(CONFIG_FILE), 'not found; a GPT-2 checkpoint directory needs config.json and model.safetensors');
  let cfgJson: unknown;
  try {
    cfgJson = JSON.parse(cfgText);
  } catch (e) {
    throw new CheckpointError(at(CONFIG_FILE), `is not valid JSON (${(e as Error).message})`);
  }
  const config = configFromHF(cfgJson, at(CONFIG_FILE));
  const bytes = await src.read(WEIGHTS_FILE);
  if (bytes === null) throw new CheckpointError(at(WEIGHTS_FILE), 'not found (only safetensors weights are read; convert pytorch_model.bin with save_pretrained(safe_serialization=True))');
  const file = parseSafetensors(bytes, at(WEIGHTS_FILE));

  const byCanonical = new Map<string, string>();
  for (const name of file.tensors.keys()) {
    const c = canonicalName(name);
    if (c === null) continue;
    if (byCanonical.has(c)) throw new CheckpointError(at(WEIGHTS_FILE), `appears twice (also as "${byCanonical.get(c)}")`, name);
    byCanonical.set(c, name);
  }
  const specs = gptParamSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  for (const [c, original] of byCanonical) {
    if (expected.has(c)) continue;
    if (c === 'lm_head.weight' && config.tieEmbeddings) continue; // a tied head saved anyway: the embedding is used
    throw new CheckpointError(at(WEIGHTS_FILE), `is not a GPT2LMHeadModel weight for this config.json (tie_word_embeddings=${config.tieEmbeddings})`, original);
  }
  for (const spec of specs) {
    const original = byCanonical.get(spec.name);
    if (!original) throw new CheckpointError(at(WEIGHTS_FILE), `missing (config.json describes ${config.nLayer} layers, n_embd ${config.nEmbd}, vocab ${config.vocabSize})`, spec.name);
    const info = file.tensors.get(original)!;
    if (!(FLOAT_DTYPES as readonly string[]).includes(info.dtype)) throw new CheckpointError(at(WEIGHTS_FILE), `dtype ${info.dtype} is not a weight dtype (${FLOAT_DTYPES.join(', ')})`, original);
    if (info.shape.join(',') !== spec.shape.join(','))
      throw new CheckpointError(at(WEIGHTS_FILE), `has shape [${info.shape}] but config.json needs [${spec.shape}]`, original);
  }
  let tabula: TabulaMeta | null = null;
  const tabText = await readText(src, TABULA_FILE);
  if (tabText !== null) {
    try {
      tabula = JSON.parse(tabText) as TabulaMeta;
    } catch (e) {
      throw new CheckpointError(at(TABULA_FILE), `is not valid JSON (${(e as Error).message})`);
    }
  }
  const model = new GPT(config, 0, scope);
  for (const spec of specs) model.assign(spec.name, file.getFloat32(byCanonical.get(spec.name)!));
  return { model, config, tabula, tokenizerJson: await readText(src, TOKENIZER_FILE) };
}

/** Serialise a model to the files of a GPT-2 directory (config.json, model.safetensors, tabula.json, tokenizer.json). */
export function saveGPT2(model: GPT, tabula: Omit<TabulaMeta, 'format' | 'version'> = {}, tokenizerJson?: string): Map<string, Uint8Array> {
  const enc = new TextEncoder();
  const tensors = gptParamSpecs(model.config).map((s) => ({ name: s.name, shape: s.shape, data: model.params.get(s.name)!.dataSync() as Float32Array }));
  const files = new Map<string, Uint8Array>([
    [CONFIG_FILE, enc.encode(JSON.stringify(configToHF(model.config), null, 2) + '\n')],
    [WEIGHTS_FILE, writeSafetensors(tensors, { format: 'pt' })],
    [TABULA_FILE, enc.encode(JSON.stringify({ format: 'tabula-gpt2', version: 1, ...tabula }, null, 2) + '\n')],
  ]);
  if (tokenizerJson !== undefined) files.set(TOKENIZER_FILE, enc.encode(tokenizerJson));
  return files;
}
