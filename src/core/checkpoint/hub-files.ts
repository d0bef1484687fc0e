/**
 * The files that make a GPT-2-layout checkpoint open right with Hugging Face's Auto classes (issue 25), written in this
 * one place for every writer (saveGPT2: `npm run pretrain`, the run checkpoints of replicate and the page, the page's
 * weights zip, the export's initial weights; scale/train.py copies them from its export):
 *   tokenizer.json           the text tokenizer plus one added token per id it lacks — the appended specials and the
 *                            image codes `<|img_0|>` … — so `len(tokenizer) == config.vocab_size`
 *   tokenizer_config.json    `PreTrainedTokenizerFast`, the project's bos/eos/pad, no unk, model_max_length = context
 *   special_tokens_map.json  the same special tokens
 *   generation_config.json   the token ids and max_length = context
 *   README.md                a model card (YAML front matter: library, license, the paper; what the model is, how it
 *                            was trained)
 * Without tokenizer_config.json transformers (5.x) falls back to GPT-2's defaults and adds `<|endoftext|>` as a new id
 * (here an image code) that it makes bos, eos and unk, with no pad and model_max_length 1e30.
 */
import type { GPTConfig } from '../nn/gpt';
import { CheckpointError } from './errors';

/** The paper replicated (arXiv id, checked against /work/shared/docs/paper.md), as the Hub links papers in cards. */
export const PAPER = {
  arxiv: '2311.16201',
  title: 'Pre-trained Language Models Do Not Help Auto-regressive Text-to-Image Generation',
} as const;
export const HUB_FILES = [
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
  'README.md',
] as const;

/** The text of image code k's added token. */
export const imageTokenText = (k: number): string => `<|img_${k}|>`;

/** What the hub files are written from (tabula.json's fields, see gpt2.ts TabulaMeta). */
export interface HubMeta {
  specialTokens?: Record<string, number>;
  imageTokens?: { offset: number; count: number };
  provenance?: Record<string, unknown>;
}

/** bos / eos / pad token ids (gpt2.ts specialTokenIds: null when the vocabulary has none). */
export interface TokenIds {
  bos_token_id: number | null;
  eos_token_id: number | null;
  pad_token_id: number | null;
}

interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/**
 * The tokenizer.json with an added token for every id in [its size, vocabSize): a name from `meta.specialTokens` when
 * one has that id, else image code `id − offset` as `<|img_k|>`. Added tokens are special (skipped by
 * `decode(skip_special_tokens=True)`), unnormalized and unstripped, so text without them tokenizes exactly as before.
 * A tokenizer already as large as the vocabulary is returned unchanged. Throws CheckpointError when an id would have
 * no name (a gap the plan does not explain) or the file is not a tokenizer.json.
 */
export function hubTokenizerJson(
  tokenizerJson: string,
  vocabSize: number,
  meta: HubMeta,
  file = 'tokenizer.json',
): string {
  let j: { model?: { vocab?: Record<string, number> | unknown[] }; added_tokens?: AddedToken[] };
  try {
    j = JSON.parse(tokenizerJson);
  } catch (e) {
    throw new CheckpointError(file, `is not valid JSON (${(e as Error).message})`);
  }
  const vocab = j.model?.vocab;
  if (typeof vocab !== 'object' || vocab === null)
    throw new CheckpointError(
      file,
      'has no model.vocab; it should be a tokenizer.json written by Hugging Face tokenizers',
    );
  const added = j.added_tokens ?? [];
  const ids = Array.isArray(vocab) ? [vocab.length - 1] : Object.values(vocab);
  const size = Math.max(-1, ...ids, ...added.map((t) => t.id)) + 1;
  if (size >= vocabSize) return tokenizerJson;
  const byId = new Map(Object.entries(meta.specialTokens ?? {}).map(([name, id]) => [id, name]));
  const img = meta.imageTokens;
  const extra: AddedToken[] = [];
  for (let id = size; id < vocabSize; id++) {
    const content =
      byId.get(id) ??
      (img && id >= img.offset && id < img.offset + img.count ? imageTokenText(id - img.offset) : undefined);
    if (content === undefined)
      throw new CheckpointError(
        file,
        `has ${size} ids and the model ${vocabSize}; id ${id} is neither a special token nor an image code, so it cannot be named`,
      );
    extra.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  }
  return JSON.stringify({ ...j, added_tokens: [...added, ...extra] });
}

/** id → text of a tokenizer.json's added tokens. */
export function addedTokens(tokenizerJson: string): Map<number, string> {
  const j = JSON.parse(tokenizerJson) as { added_tokens?: AddedToken[] };
  return new Map((j.added_tokens ?? []).map((t) => [t.id, t.content]));
}

/**
 * tokenizer_config.json and special_tokens_map.json for PreTrainedTokenizerFast: bos, eos and pad as the config's
 * ids name them in the tokenizer (`added`: id → text of its added tokens, so GPT-2's `<|endoftext|>` stays bos
 * where it is the document start), unk null (byte-level BPE has no unknown token), `model_max_length` = context,
 * left padding (what batched `generate` needs with a decoder-only model), `<|boi|>` an additional special token.
 */
export function tokenizerConfigs(
  config: GPTConfig,
  ids: TokenIds,
  added: ReadonlyMap<number, string>,
): { tokenizerConfig: Record<string, unknown>; specialTokensMap: Record<string, unknown> } {
  const map: Record<string, unknown> = {};
  const text = (id: number | null) => (id === null ? undefined : added.get(id));
  const bos = text(ids.bos_token_id),
    eos = text(ids.eos_token_id),
    pad = text(ids.pad_token_id);
  if (bos) map.bos_token = bos;
  if (eos) map.eos_token = eos;
  if (pad) map.pad_token = pad;
  const extra = ['<|boi|>', '<|eoi|>'].filter((t) => [...added.values()].includes(t) && t !== eos);
  if (extra.length) map.additional_special_tokens = extra;
  return {
    tokenizerConfig: {
      tokenizer_class: 'PreTrainedTokenizerFast',
      ...map,
      unk_token: null,
      model_max_length: config.nPositions,
      padding_side: 'left',
      add_prefix_space: false,
      clean_up_tokenization_spaces: false,
    },
    specialTokensMap: map,
  };
}

/** generation_config.json: the token ids and max_length = context. */
export function generationConfig(config: GPTConfig, ids: TokenIds): Record<string, unknown> {
  return { ...ids, max_length: config.nPositions };
}

const yamlString = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar

/**
 * README.md, the model card: front matter (library_name transformers, license mit, the paper as `arxiv:` tag, the
 * datasets named in the provenance) and what the model is — its sizes, its vocabulary, how it was trained (the
 * provenance's fields), and how to load it.
 */
export function modelCard(config: GPTConfig, ids: TokenIds, meta: HubMeta): string {
  const p = meta.provenance ?? {};
  const img = meta.imageTokens;
  const datasets = [p.dataset, ...(Array.isArray(p.datasets) ? p.datasets : [])].filter(
    (d): d is string => typeof d === 'string' && d !== '',
  );
  const front = [
    '---',
    'library_name: transformers',
    'license: mit',
    'pipeline_tag: text-generation',
    'tags:',
    '  - gpt2',
    ...(img ? ['  - text-to-image', '  - vq-vae'] : []),
    `  - arxiv:${PAPER.arxiv}`,
    ...(datasets.length ? ['datasets:', ...datasets.map((d) => `  - ${yamlString(d)}`)] : []),
    '---',
  ];
  const size = `A GPT-2 (GPT2LMHeadModel) with ${config.nLayer} layers, ${config.nHead} heads, width ${config.nEmbd}, context ${config.nPositions} and ${config.vocabSize} token ids`;
  const what = img
    ? `${size}: ids below ${img.offset} are the text tokenizer's, ids ${img.offset}–${img.offset + img.count - 1} are the ${img.count} codes of a VQ-VAE image tokenizer (added tokens \`${imageTokenText(0)}\` … \`${imageTokenText(img.count - 1)}\`). It models \`<|bos|> caption <|pad|>… <|boi|> image codes <|eoi|>\`: a caption, then the picture as a grid of codes.`
    : `${size}, a language model on English text.`;
  const arm =
    typeof p.arm === 'string'
      ? `Arm \`${p.arm}\`${typeof p.seed === 'number' ? `, seed ${p.seed}` : ''}${typeof p.step === 'number' ? `, after ${p.step} optimizer steps` : ''}${typeof p.trainer === 'string' ? ` (trained by ${p.trainer})` : ''}. `
      : '';
  const data = Array.isArray(p.data)
    ? `Pre-trained on ${p.data.join(', ')}${typeof p.tokensSeen === 'number' ? ` (${p.tokensSeen.toLocaleString('en')} tokens seen)` : ''}. `
    : '';
  const command = typeof p.command === 'string' ? `Command: \`${p.command}\`. ` : '';
  const special = Object.entries(meta.specialTokens ?? {})
    .map(([t, id]) => `\`${t}\` ${id}`)
    .join(', ');
  return [
    ...front,
    '',
    '# Tabula Rasa checkpoint',
    '',
    `Written by Tabula Rasa, a small in-browser replication of *${PAPER.title}* (Zhang et al., 2023; [arXiv:${PAPER.arxiv}](https://arxiv.org/abs/${PAPER.arxiv})), which asks whether starting a text-to-image transformer from a pre-trained language model helps.`,
    '',
    '## Model',
    '',
    what,
    '',
    '## Training',
    '',
    (arm + data + command).trim() || 'No provenance was recorded with these weights.',
    'The full record is in `tabula.json`.',
    '',
    '## Use',
    '',
    '```python',
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    'tok = AutoTokenizer.from_pretrained(path)',
    'model = AutoModelForCausalLM.from_pretrained(path)',
    '```',
    '',
    `Special tokens: ${special || 'none'} (bos ${ids.bos_token_id ?? 'none'}, eos ${ids.eos_token_id ?? 'none'}, pad ${ids.pad_token_id ?? 'none'}). The tokenizer adds no \`<|bos|>\` by itself: prepend it, as training did.${img ? " Image codes turn back into pixels with the project's VQ-VAE decoder." : ''}`,
    '',
  ].join('\n');
}

/**
 * Every hub file of a checkpoint (name → bytes): the extended tokenizer.json and tokenizer_config.json /
 * special_tokens_map.json when a tokenizer is given, generation_config.json and README.md always.
 */
export function hubFiles(
  config: GPTConfig,
  ids: TokenIds,
  meta: HubMeta,
  tokenizerJson?: string,
): Map<string, Uint8Array> {
  const enc = new TextEncoder();
  const json = (v: unknown) => enc.encode(JSON.stringify(v, null, 2) + '\n');
  const files = new Map<string, Uint8Array>();
  if (tokenizerJson !== undefined) {
    const full = hubTokenizerJson(tokenizerJson, config.vocabSize, meta);
    files.set('tokenizer.json', enc.encode(full));
    const { tokenizerConfig, specialTokensMap } = tokenizerConfigs(config, ids, addedTokens(full));
    files.set('tokenizer_config.json', json(tokenizerConfig));
    files.set('special_tokens_map.json', json(specialTokensMap));
  }
  files.set('generation_config.json', json(generationConfig(config, ids)));
  files.set('README.md', enc.encode(modelCard(config, ids, meta)));
  return files;
}
