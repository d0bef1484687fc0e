/**
 * The Hugging Face GPT-2 directory layout (docs/architecture.md §4, contract): `config.json` (GPT2Config),
 * `model.safetensors` or its shards (GPT2LMHeadModel tensor names, Conv1D weights [in, out]; weights.ts),
 * `tokenizer.json`, and `tabula.json` for what GPT-2 has no field for. Loads both key styles found in the wild — the
 * original `gpt2` upload (`h.0.ln_1.weight`, with `attn.bias` / `attn.masked_bias` buffers, skipped) and
 * `save_pretrained` output (`transformer.h.0...`, plus `lm_head.weight` when untied) — and checks every tensor's name,
 * dtype, shape, byte range and values (finite) before using any.
 */
import { ACTIVATIONS, isActivation } from '../nn/activations';
import { GPT, gptParamSpecs, validateGPTConfig, type GPTConfig } from '../nn/gpt';
import { CheckpointError } from './errors';
import { hubFiles } from './hub-files';
import { FLOAT_DTYPES, writeSafetensors } from './safetensors';
import { readText, type FileSource } from './source';
import { WEIGHTS_FILE, readFiniteFloat32, readWeights } from './weights';

export const CONFIG_FILE = 'config.json';
export { WEIGHTS_FILE };
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

/**
 * GPT2Config JSON → our config. Every GPT2Config field that changes GPT2LMHeadModel's output is implemented
 * (sizes, `n_inner`, `activation_function`, `layer_norm_epsilon`, `scale_attn_weights`,
 * `scale_attn_by_inverse_layer_idx`, `tie_word_embeddings`; `reorder_and_upcast_attn` is the same function in float32)
 * or refused naming the field and its value (`add_cross_attention`, non-empty `pruned_heads`, an activation this
 * GPT lacks). Accepted without effect: dropout rates (evaluation has none, and this project fine-tunes without
 * dropout), `initializer_range` (initialisation only), the `summary_*` fields (GPT2DoubleHeadsModel's extra head),
 * `use_cache`, and the token ids. Throws CheckpointError naming `file`.
 */
export function configFromHF(json: unknown, file = CONFIG_FILE): GPTConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new CheckpointError(file, 'is not a JSON object');
  const j = json as Record<string, unknown>;
  // transformers' attribute_map: hidden_size → n_embd and so on (an alias, when given, is what transformers uses).
  const aliased = (key: string, alias: string): unknown => {
    if (j[alias] !== undefined && j[key] !== undefined && j[alias] !== j[key])
      throw new CheckpointError(
        file,
        `fields "${key}" (${JSON.stringify(j[key])}) and "${alias}" (${JSON.stringify(j[alias])}) disagree; they name the same size — keep one`,
      );
    return j[alias] ?? j[key];
  };
  const int = (key: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new CheckpointError(file, `field "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = j[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean')
      throw new CheckpointError(file, `field "${key}" must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  if (j.model_type !== undefined && j.model_type !== 'gpt2')
    throw new CheckpointError(
      file,
      `model_type is ${JSON.stringify(j.model_type)}; only "gpt2" checkpoints can be loaded`,
    );
  const act = j.activation_function ?? 'gelu_new';
  if (!isActivation(act))
    throw new CheckpointError(
      file,
      `field "activation_function" is ${JSON.stringify(act)}, which this GPT does not implement; supported: ${ACTIVATIONS.join(', ')}`,
    );
  const nEmbd = int('n_embd', aliased('n_embd', 'hidden_size'));
  const nInner = j.n_inner === undefined || j.n_inner === null ? undefined : int('n_inner', j.n_inner);
  const eps = j.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps))
    throw new CheckpointError(file, `field "layer_norm_epsilon" must be a positive number, got ${JSON.stringify(eps)}`);
  if (bool('add_cross_attention', false))
    throw new CheckpointError(
      file,
      'field "add_cross_attention" is true: cross-attention layers (an encoder–decoder setup) are not supported; load a decoder-only GPT-2 (add_cross_attention false)',
    );
  if (
    j.pruned_heads !== undefined &&
    j.pruned_heads !== null &&
    (typeof j.pruned_heads !== 'object' || Object.keys(j.pruned_heads).length > 0)
  )
    throw new CheckpointError(
      file,
      `field "pruned_heads" is ${JSON.stringify(j.pruned_heads)}: pruned attention heads are not supported; load the unpruned model`,
    );
  const config: GPTConfig = {
    vocabSize: int('vocab_size', j.vocab_size),
    nPositions: int('n_positions', aliased('n_positions', 'max_position_embeddings') ?? j.n_ctx),
    nEmbd,
    nLayer: int('n_layer', aliased('n_layer', 'num_hidden_layers')),
    nHead: int('n_head', aliased('n_head', 'num_attention_heads')),
    layerNormEps: eps,
    tieEmbeddings: bool('tie_word_embeddings', true),
    initStd: typeof j.initializer_range === 'number' && j.initializer_range > 0 ? j.initializer_range : 0.02,
  };
  // The options are set only where they differ from GPT-2's defaults, so a plain GPT-2 config stays minimal.
  if (nInner !== undefined && nInner !== 4 * nEmbd) config.nInner = nInner;
  if (act !== 'gelu_new') config.activation = act;
  if (!bool('scale_attn_weights', true)) config.scaleAttnWeights = false;
  if (bool('scale_attn_by_inverse_layer_idx', false)) config.scaleAttnByInverseLayerIdx = true;
  bool('reorder_and_upcast_attn', false); // the same function in float32: type-checked only
  try {
    validateGPTConfig(config);
  } catch (e) {
    throw new CheckpointError(file, (e as Error).message);
  }
  return config;
}

/**
 * The special-token ids a GPT2Config names (`bos_token_id`, `eos_token_id`, `pad_token_id`), from the checkpoint's
 * special tokens: bos is `<|bos|>` (GPT-2: `<|endoftext|>`); eos is `<|eoi|>` once image tokens follow the text
 * (our sequences end there), else `<|endoftext|>` when the vocabulary has it; pad is `<|pad|>`. An id outside
 * [0, vocabSize) is never written: the field is null instead (transformers' defaults, 50256, would point outside a
 * small vocabulary).
 */
export function specialTokenIds(
  vocabSize: number,
  special: Record<string, number> = {},
  hasImageTokens = false,
): { bos_token_id: number | null; eos_token_id: number | null; pad_token_id: number | null } {
  const ok = (id: number | undefined) =>
    id !== undefined && Number.isInteger(id) && id >= 0 && id < vocabSize ? id : null;
  return {
    bos_token_id: ok(special['<|bos|>'] ?? special['<|endoftext|>']),
    eos_token_id: ok(hasImageTokens ? special['<|eoi|>'] : special['<|endoftext|>']),
    pad_token_id: ok(special['<|pad|>']),
  };
}

/** Our config → GPT2Config JSON (loads with transformers' GPT2LMHeadModel); `extra` adds fields (the token ids). */
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
    n_inner: c.nInner ?? null,
    activation_function: c.activation ?? 'gelu_new',
    layer_norm_epsilon: c.layerNormEps,
    scale_attn_weights: c.scaleAttnWeights ?? true,
    scale_attn_by_inverse_layer_idx: c.scaleAttnByInverseLayerIdx ?? false,
    reorder_and_upcast_attn: false,
    initializer_range: c.initStd,
    tie_word_embeddings: c.tieEmbeddings,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    ...extra,
  };
}

const NANOGPT = 'a nanoGPT state dict, not a Hugging Face GPT2LMHeadModel';
const NANOGPT_FIX =
  'convert it with python scale/convert_nanogpt.py ckpt.pt OUT_DIR (strips the prefix, transposes the attn/mlp weights, writes config.json and model.safetensors)';

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

/**
 * Load a GPT-2-layout directory (one `model.safetensors` or shards behind `model.safetensors.index.json`) into a new
 * GPT, or throw a CheckpointError naming the file and tensor: a config field this GPT cannot honour, a missing,
 * extra or misshapen tensor, a weight that is NaN or infinite (with its first bad index).
 */
export async function loadGPT2(src: FileSource, scope?: string): Promise<LoadedGPT2> {
  const cfgText = await readText(src, CONFIG_FILE);
  const at = (f: string) => `${src.label}/${f}`;
  if (cfgText === null)
    throw new CheckpointError(
      at(CONFIG_FILE),
      'not found; a GPT-2 checkpoint directory needs config.json and model.safetensors',
    );
  let cfgJson: unknown;
  try {
    cfgJson = JSON.parse(cfgText);
  } catch (e) {
    throw new CheckpointError(at(CONFIG_FILE), `is not valid JSON (${(e as Error).message})`);
  }
  const config = configFromHF(cfgJson, at(CONFIG_FILE));
  const weights = await readWeights(src);

  const compiled = [...weights.tensors.keys()].find((n) => n.startsWith('_orig_mod.'));
  if (compiled)
    throw new CheckpointError(
      weights.source,
      `${NANOGPT}: its names carry torch.compile's "_orig_mod." prefix and its nn.Linear weights are [out, in]; ${NANOGPT_FIX}`,
      compiled,
    );
  const byCanonical = new Map<string, string>();
  for (const name of weights.tensors.keys()) {
    const c = canonicalName(name);
    if (c === null) continue;
    if (byCanonical.has(c))
      throw new CheckpointError(weights.source, `appears twice (also as "${byCanonical.get(c)}")`, name);
    byCanonical.set(c, name);
  }
  const specs = gptParamSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  for (const [c, original] of byCanonical) {
    if (expected.has(c)) continue;
    if (c === 'lm_head.weight' && config.tieEmbeddings) continue; // a tied head saved anyway: the embedding is used
    throw new CheckpointError(
      weights.source,
      `is not a GPT2LMHeadModel weight for this config.json (tie_word_embeddings=${config.tieEmbeddings})`,
      original,
    );
  }
  for (const spec of specs) {
    const original = byCanonical.get(spec.name);
    if (!original)
      throw new CheckpointError(
        weights.source,
        `missing (config.json describes ${config.nLayer} layers, n_embd ${config.nEmbd}, vocab ${config.vocabSize})`,
        spec.name,
      );
    const info = weights.tensors.get(original)!.info;
    if (!(FLOAT_DTYPES as readonly string[]).includes(info.dtype))
      throw new CheckpointError(
        weights.source,
        `dtype ${info.dtype} is not a weight dtype (${FLOAT_DTYPES.join(', ')})`,
        original,
      );
    if (
      info.shape.length === 2 &&
      /\.(c_attn|c_proj|c_fc)\.weight$/.test(spec.name) &&
      info.shape.join(',') === [...spec.shape].reverse().join(',') &&
      spec.shape[0] !== spec.shape[1]
    )
      throw new CheckpointError(
        weights.source,
        `has shape [${info.shape}], the transpose of GPT-2's Conv1D [${spec.shape}] (in, out): an nn.Linear [out, in] state dict such as nanoGPT's, not a Hugging Face GPT2LMHeadModel; ${NANOGPT_FIX}`,
        original,
      );
    if (info.shape.join(',') !== spec.shape.join(','))
      throw new CheckpointError(
        weights.source,
        `has shape [${info.shape}] but config.json needs [${spec.shape}]`,
        original,
      );
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
  // Every value is read and checked finite before a model is built (nothing to dispose on refusal).
  const values = specs.map((spec) => readFiniteFloat32(weights.tensors.get(byCanonical.get(spec.name)!)!));
  const model = new GPT(config, 0, scope);
  specs.forEach((spec, i) => model.assign(spec.name, values[i]));
  return { model, config, tabula, tokenizerJson: await readText(src, TOKENIZER_FILE) };
}

/**
 * Serialise a model to the files of a GPT-2 directory (config.json, model.safetensors, tabula.json, and hub-files.ts's
 * generation_config.json and README.md; with a tokenizer, tokenizer.json extended to the vocabulary,
 * tokenizer_config.json and special_tokens_map.json). config.json's bos/eos/pad token ids come from
 * `tabula.specialTokens` (see specialTokenIds) and always lie inside the vocabulary or are null.
 */
export function saveGPT2(
  model: GPT,
  tabula: Omit<TabulaMeta, 'format' | 'version'> = {},
  tokenizerJson?: string,
): Map<string, Uint8Array> {
  const enc = new TextEncoder();
  const tensors = gptParamSpecs(model.config).map((s) => ({
    name: s.name,
    shape: s.shape,
    data: model.params.get(s.name)!.dataSync() as Float32Array,
  }));
  const ids = specialTokenIds(model.config.vocabSize, tabula.specialTokens, tabula.imageTokens !== undefined);
  const files = new Map<string, Uint8Array>([
    [CONFIG_FILE, enc.encode(JSON.stringify(configToHF(model.config, ids), null, 2) + '\n')],
    [WEIGHTS_FILE, writeSafetensors(tensors, { format: 'pt' })],
    [TABULA_FILE, enc.encode(JSON.stringify({ format: 'tabula-gpt2', version: 1, ...tabula }, null, 2) + '\n')],
  ]);
  for (const [name, bytes] of hubFiles(model.config, ids, tabula, tokenizerJson)) files.set(name, bytes);
  return files;
}
