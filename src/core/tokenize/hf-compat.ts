/**
 * Where `@huggingface/tokenizers` (JS, 0.2.0) and Hugging Face's Rust `tokenizers` disagree, found by the fuzz test in
 * tests/unit/tokenizer-hf.test.ts. What can be made to agree is corrected on the loaded tokenizer's own components
 * (never on the library's classes): `Lowercase` lowercases code point by code point as Rust's
 * `NormalizedString::lowercase` does (JavaScript's `toLowerCase` turns a word-final Σ into ς; Rust gives σ), and
 * `Digits` splits on every numeric character (Rust's `char::is_numeric`: Unicode Nd, Nl, No) where JavaScript's `\d`
 * knows ASCII digits only. What cannot is refused before loading, naming the field: model types and options the
 * library does not implement (WordLevel, BPE dropout, a BPE continuing_subword_prefix), Split behaviours it treats as
 * "Isolated", added tokens with single_word, and added tokens whose declared id is not the one Rust gives them.
 */
import { DigitsPreTokenizer, LowercaseNormalizer, type Tokenizer } from '@huggingface/tokenizers';

/** A refusal: the JSON path of the field and what is wrong with it. */
export interface Unsupported {
  field: string;
  message: string;
}

const MODEL_TYPES = ['BPE', 'WordPiece', 'Unigram'];
const SPLIT_BEHAVIOURS = ['Isolated', 'Removed'];

/** The first component of a parsed tokenizer.json this implementation would run differently from Rust's, or null. */
export function findUnsupported(j: Record<string, unknown>): Unsupported | null {
  const model = j.model as Record<string, unknown>;
  if (model.type !== undefined && !MODEL_TYPES.includes(model.type as string))
    return {
      field: 'model.type',
      message: `is ${JSON.stringify(model.type)}; supported models: ${MODEL_TYPES.join(', ')}`,
    };
  if (model.type === 'BPE' || (model.type === undefined && 'merges' in model)) {
    if (typeof model.dropout === 'number' && model.dropout > 0)
      return {
        field: 'model.dropout',
        message: `is ${model.dropout}: BPE dropout makes encoding random; set it to null to use the tokenizer`,
      };
    if (typeof model.continuing_subword_prefix === 'string' && model.continuing_subword_prefix !== '')
      return {
        field: 'model.continuing_subword_prefix',
        message: `is ${JSON.stringify(model.continuing_subword_prefix)}; BPE with a subword prefix is not supported`,
      };
  }
  const splits: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (
      n.type === 'Split' &&
      n.invert !== true &&
      n.behavior !== undefined &&
      !SPLIT_BEHAVIOURS.includes(n.behavior as string)
    )
      splits.push(`${path}.behavior is ${JSON.stringify(n.behavior)}; supported: ${SPLIT_BEHAVIOURS.join(', ')}`);
    if (Array.isArray(n.pretokenizers)) n.pretokenizers.forEach((c, i) => walk(c, `${path}.pretokenizers[${i}]`));
  };
  walk(j.pre_tokenizer, 'pre_tokenizer');
  if (splits.length) {
    const [field, message] = splits[0].split(/ (.*)/s);
    return { field, message };
  }
  // Hugging Face tokenizers gives added tokens their ids itself, in order: a token of the model's vocabulary keeps its
  // id there; any other takes the next id after the vocabulary and the added tokens before it. A file whose ids
  // say otherwise is encoded with Rust's ids by transformers (with a warning), so it is refused here.
  const vocab = new Map<string, number>(
    Array.isArray(model.vocab)
      ? (model.vocab as [string, number][]).map(([piece], i) => [piece, i])
      : Object.entries(model.vocab as Record<string, number>),
  );
  const vocabSize = Array.isArray(model.vocab) ? model.vocab.length : vocab.size;
  const added = (j.added_tokens ?? []) as { id: number; content: string; single_word?: unknown }[];
  const assigned = new Map<string, number>();
  for (let i = 0; i < added.length; i++) {
    const t = added[i];
    if (t.single_word === true)
      return {
        field: `added_tokens[${i}].single_word`,
        message: `is true for ${JSON.stringify(t.content)}; single-word added tokens are not supported`,
      };
    let id = assigned.get(t.content) ?? vocab.get(t.content);
    if (id === undefined) {
      const max = assigned.size ? Math.max(...assigned.values()) : undefined;
      id = max === undefined ? vocabSize : max >= vocabSize || vocabSize === 0 ? max + 1 : vocabSize;
    }
    assigned.set(t.content, id);
    if (id !== t.id)
      return {
        field: `added_tokens[${i}].id`,
        message: `is ${t.id} for ${JSON.stringify(t.content)}, but Hugging Face tokenizers gives it ${id} (a token of model.vocab keeps its id there; others follow the vocabulary in order); make the ids agree`,
      };
  }
  return null;
}

/** Lowercase code point by code point, as Rust's `char::to_lowercase` (no final-sigma rule). */
function lowercaseByCodePoint(text: string): string {
  let out = '';
  for (const c of text) out += c.toLowerCase();
  return out;
}

/** Correct the loaded tokenizer's Lowercase normalizers and Digits pre-tokenizers to Rust's behaviour (see above). */
export function makeRustFaithful(tok: Tokenizer): void {
  const visitNormalizer = (n: unknown) => {
    if (n instanceof LowercaseNormalizer) n.normalize = lowercaseByCodePoint;
    const children = (n as { normalizers?: unknown[] } | null)?.normalizers;
    if (Array.isArray(children)) children.forEach(visitNormalizer);
  };
  const visitPreTokenizer = (p: unknown) => {
    if (p instanceof DigitsPreTokenizer)
      p.pattern = new RegExp(`\\P{N}+|\\p{N}${p.config.individual_digits ? '' : '+'}`, 'gu');
    const children = (p as { tokenizers?: unknown[] } | null)?.tokenizers;
    if (Array.isArray(children)) children.forEach(visitPreTokenizer);
  };
  visitNormalizer(tok.normalizer);
  visitPreTokenizer(tok.pre_tokenizer);
}
