/**
 * Byte-level BPE (Radford et al. 2019, GPT-2; Sennrich et al. 2016) as the project trains it (train-bpe.ts): the
 * vocabulary, merges and special tokens, written as a Hugging Face `tokenizer.json` (model type BPE, ByteLevel
 * pre-tokenizer) — the contract of docs/architecture.md §3. Checkpoints' tokenizer files are read by hf.ts
 * (`@huggingface/tokenizers`); this class's own encoder is the trainer's, and tests check it gives the same ids.
 *
 * Text is split with GPT-2's regex, each piece is turned into bytes and each byte into a printable character
 * (GPT-2's bytes_to_unicode), then merges are applied lowest rank first. Ids of our own tokenizers: 0–255 the bytes,
 * then merges in order, then the special tokens.
 */

import type { TextTokenizer } from './text-tokenizer';

export const SPECIAL_TOKENS = ['<|bos|>', '<|boi|>', '<|eoi|>', '<|pad|>'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** GPT-2's pre-tokenisation pattern. */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's reversible byte → printable-character table. */
export const BYTE_TO_CHAR: string[] = (() => {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i])));
  return out;
})();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/** A pre-token as GPT-2 byte characters. */
export function toByteChars(piece: string): string {
  let s = '';
  for (const b of utf8.encode(piece)) s += BYTE_TO_CHAR[b];
  return s;
}

export class BPETokenizer implements TextTokenizer {
  /** Token (in byte characters, or a special token's text) → id. */
  readonly vocab: Map<string, number>;
  readonly idToToken: string[];
  /** Merges in rank order, as pairs of tokens. */
  readonly merges: [string, string][];
  /** Special tokens (text → id); matched in input text before pre-tokenisation. */
  readonly special: Map<string, number>;
  private readonly rank = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly specialSplit: RegExp | null;

  constructor(vocab: Map<string, number>, merges: [string, string][], special: Map<string, number>) {
    this.vocab = vocab;
    this.merges = merges;
    this.special = special;
    this.idToToken = [];
    for (const [tok, id] of vocab) this.idToToken[id] = tok;
    for (const [tok, id] of special) this.idToToken[id] = tok;
    merges.forEach(([a, b], i) => this.rank.set(a + ' ' + b, i));
    const specials = [...special.keys()]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialSplit = specials.length ? new RegExp(`(${specials.join('|')})`) : null;
  }

  /** Whether a vocabulary has a token for each of the 256 bytes (then every text encodes). */
  static coversAllBytes(vocab: ReadonlyMap<string, number>): boolean {
    return BYTE_TO_CHAR.every((c) => vocab.has(c));
  }

  /** Number of ids (largest id + 1). */
  get vocabSize(): number {
    return this.idToToken.length;
  }

  /** Id of a special token; throws when this tokenizer lacks it. */
  specialId(name: string): number {
    const id = this.special.get(name);
    if (id === undefined)
      throw new Error(
        `tokenizer has no special token ${name} (it has: ${[...this.special.keys()].join(', ') || 'none'})`,
      );
    return id;
  }

  private bpe(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let parts = [...word];
    while (parts.length > 1) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i < parts.length - 1; i++) {
        const r = this.rank.get(parts[i] + ' ' + parts[i + 1]);
        if (r !== undefined && r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      const [a, b] = this.merges[best];
      const next: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i < parts.length - 1 && parts[i] === a && parts[i + 1] === b) {
          next.push(a + b);
          i++;
        } else next.push(parts[i]);
      }
      parts = next;
    }
    const ids = parts.map((p) => {
      const id = this.vocab.get(p);
      if (id === undefined)
        throw new Error(`BPE: token ${JSON.stringify(p)} is not in the vocabulary (inconsistent merges)`);
      return id;
    });
    if (this.cache.size < 200_000) this.cache.set(word, ids);
    return ids;
  }

  /** Text → ids. Special-token text (e.g. `<|bos|>`) becomes its id, as Hugging Face tokenizers do. */
  encode(text: string): number[] {
    const out: number[] = [];
    const chunks = this.specialSplit ? text.split(this.specialSplit) : [text];
    for (const chunk of chunks) {
      if (chunk === '') continue;
      const sp = this.special.get(chunk);
      if (sp !== undefined) {
        out.push(sp);
        continue;
      }
      for (const m of chunk.matchAll(GPT2_SPLIT)) for (const id of this.bpe(toByteChars(m[0]))) out.push(id);
    }
    return out;
  }

  /** Ids → text. Byte sequences that are not valid UTF-8 on their own decode to U+FFFD. */
  decode(ids: number[]): string {
    let text = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) text += new TextDecoder().decode(new Uint8Array(bytes));
      bytes = [];
    };
    for (const id of ids) {
      const tok = this.idToToken[id];
      if (tok === undefined) throw new Error(`decode: id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
      if (this.special.has(tok) && this.special.get(tok) === id) {
        flush();
        text += tok;
        continue;
      }
      for (const ch of tok) bytes.push(CHAR_TO_BYTE.get(ch)!);
    }
    flush();
    return text;
  }

  /** Serialise as a Hugging Face tokenizer.json (byte-level BPE). */
  toTokenizerJson(): string {
    const vocab: Record<string, number> = {};
    for (const [tok, id] of [...this.vocab].sort((a, b) => a[1] - b[1])) vocab[tok] = id;
    const json = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [...this.special].map(([content, id]) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: this.merges.map(([a, b]) => [a, b]),
      },
    };
    return JSON.stringify(json);
  }
}
