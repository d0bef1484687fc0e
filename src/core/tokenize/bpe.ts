/**
 * Byte-level BPE (Radford et al. 2019, GPT-2; Sennrich et al. 2016): train on a corpus, encode, decode, and read or
 * write the Hugging Face `tokenizer.json` (model type BPE, ByteLevel pre-tokenizer) — the contract of design.md §3.
 * GPT-2's own files load too (`tokenizer.json`, or `vocab.json` + `merges.txt`).
 *
 * Text is split with GPT-2's regex, each piece is turned into bytes and each byte into a printable character
 * (GPT-2's bytes_to_unicode), then merges are applied lowest rank first. Ids of our own tokenizers: 0–255 the bytes,
 * then merges in order, then the special tokens.
 */

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

export class TokenizerError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TokenizerError';
  }
}

export class BPETokenizer {
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
    const specials = [...special.keys()].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialSplit = specials.length ? new RegExp(`(${specials.join('|')})`) : null;
  }

  /** Number of ids (largest id + 1). */
  get vocabSize(): number {
    return this.idToToken.length;
  }

  /** Id of a special token; throws when this tokenizer lacks it. */
  specialId(name: string): number {
    const id = this.special.get(name);
    if (id === undefined) throw new Error(`tokenizer has no special token ${name} (it has: ${[...this.special.keys()].join(', ') || 'none'})`);
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
      if (id === undefined) throw new Error(`BPE: token ${JSON.stringify(p)} is not in the vocabulary (inconsistent merges)`);
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
      added_tokens: [...this.special].map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: this.merges.map(([a, b]) => [a, b]) },
    };
    return JSON.stringify(json);
  }

  /** Read a Hugging Face tokenizer.json holding a byte-level BPE; refuses anything else with the reason. */
  static fromTokenizerJson(text: string, file = 'tokenizer.json'): BPETokenizer {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new TokenizerError(file, `is not valid JSON (${(e as Error).message})`);
    }
    const model = j?.model as Record<string, unknown> | undefined;
    if (!model || (model.type !== undefined && model.type !== 'BPE')) throw new TokenizerError(file, `model type ${JSON.stringify(model?.type)} is not supported; only byte-level BPE tokenizers load`);
    const pre = JSON.stringify(j.pre_tokenizer ?? null);
    if (!pre.includes('"ByteLevel"')) throw new TokenizerError(file, 'pre_tokenizer is not ByteLevel; only byte-level BPE (GPT-2 style) tokenizers load');
    const vocab = parseVocab(model.vocab, file);
    const merges = parseMerges(model.merges, vocab, file);
    const special = new Map<string, number>();
    const added = Array.isArray(j.added_tokens) ? (j.added_tokens as { id: unknown; content: unknown }[]) : [];
    added.forEach((t, i) => {
      if (typeof t.content !== 'string' || !Number.isInteger(t.id)) throw new TokenizerError(file, `added_tokens[${i}] needs a string "content" and an integer "id"`);
      special.set(t.content, t.id as number);
      vocab.delete(t.content);
    });
    return new BPETokenizer(vocab, merges, special);
  }

  /** Read GPT-2's `vocab.json` + `merges.txt` pair. `<|endoftext|>` becomes a special token. */
  static fromVocabMerges(vocabJson: string, mergesTxt: string, files = { vocab: 'vocab.json', merges: 'merges.txt' }): BPETokenizer {
    let raw: unknown;
    try {
      raw = JSON.parse(vocabJson);
    } catch (e) {
      throw new TokenizerError(files.vocab, `is not valid JSON (${(e as Error).message})`);
    }
    const vocab = parseVocab(raw, files.vocab);
    const lines = mergesTxt.split('\n').filter((l, i) => l.trim() !== '' && !(i === 0 && l.startsWith('#version')));
    const merges = parseMerges(lines, vocab, files.merges);
    const special = new Map<string, number>();
    for (const tok of ['<|endoftext|>', ...SPECIAL_TOKENS]) {
      const id = vocab.get(tok);
      if (id !== undefined) {
        special.set(tok, id);
        vocab.delete(tok);
      }
    }
    return new BPETokenizer(vocab, merges, special);
  }
}

function parseVocab(raw: unknown, file: string): Map<string, number> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TokenizerError(file, 'vocab must be an object of token → id');
  const vocab = new Map<string, number>();
  for (const [tok, id] of Object.entries(raw)) {
    if (!Number.isInteger(id) || (id as number) < 0) throw new TokenizerError(file, `vocab entry ${JSON.stringify(tok)} has id ${JSON.stringify(id)}; ids must be non-negative integers`);
    vocab.set(tok, id as number);
  }
  return vocab;
}

function parseMerges(raw: unknown, vocab: Map<string, number>, file: string): [string, string][] {
  if (!Array.isArray(raw)) throw new TokenizerError(file, 'merges must be a list');
  return raw.map((m, i) => {
    let pair: unknown[];
    if (typeof m === 'string') {
      const sp = m.indexOf(' ', 1);
      pair = sp < 0 ? [m] : [m.slice(0, sp), m.slice(sp + 1)];
    } else pair = Array.isArray(m) ? m : [];
    if (pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw new TokenizerError(file, `merge ${i + 1} (${JSON.stringify(m)}) is not a pair of tokens`);
    const [a, b] = pair as [string, string];
    for (const t of [a, b, a + b]) if (!vocab.has(t)) throw new TokenizerError(file, `merge ${i + 1} (${a} ${b}) uses ${JSON.stringify(t)}, which is not in the vocab`);
    return [a, b];
  });
}
