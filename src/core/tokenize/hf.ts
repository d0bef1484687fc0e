/**
 * Any Hugging Face `tokenizer.json`, loaded and run by `@huggingface/tokenizers` (Hugging Face's pure-JS
 * implementation of the `tokenizers` pipeline: normalizers, pre-tokenizers with their options and Rust-compatible
 * regexes, the model, post-processors, added tokens), so a checkpoint's text is encoded to the ids it was trained on,
 * in Node and in the browser alike. GPT-2's older pair `vocab.json` + `merges.txt` is turned into the tokenizer.json
 * that transformers' GPT2TokenizerFast builds from it. The project's own byte-level BPE trainer (train-bpe.ts) still
 * makes new vocabularies; everything is encoded through this class.
 *
 * One fast path: a plain GPT-2-style file (ByteLevel pre-tokenizer with the GPT-2 regex and no prefix space, no
 * normalizer, a BPE model with no options, added tokens without strip flags, no post-processor template) — the
 * format the trainer writes — is encoded by the project's own BPE (bpe.ts), about 3× faster here on whole novels.
 * The fuzz test checks both paths give Hugging Face's ids.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { BPETokenizer } from './bpe';
import { findUnsupported, makeRustFaithful } from './hf-compat';
import type { TextTokenizer } from './text-tokenizer';

export type { TextTokenizer };

export class TokenizerError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TokenizerError';
  }
}

/** A tokenizer.json run by `@huggingface/tokenizers`. */
export class HFTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly special: ReadonlyMap<string, number>;
  private readonly tok: Tokenizer;
  private readonly idToToken: (string | undefined)[] = [];
  /** The project's own encoder for plain GPT-2-style files (see above), else null. */
  private readonly fast: BPETokenizer | null;

  private constructor(
    private readonly json: string,
    parsed: Record<string, unknown>,
    private readonly file: string,
    fastPath: boolean,
  ) {
    try {
      this.tok = new Tokenizer(parsed, {});
    } catch (e) {
      throw new TokenizerError(
        file,
        `cannot be loaded (${(e as Error).message.split('\n')[0]}); it should be a tokenizer.json written by Hugging Face tokenizers`,
      );
    }
    makeRustFaithful(this.tok);
    const vocab = this.tok.get_vocab(true);
    for (const [token, id] of vocab) this.idToToken[id] = token;
    this.vocabSize = this.idToToken.length;
    const special = new Map<string, number>();
    for (const [id, t] of this.tok.get_added_tokens_decoder()) special.set(t.content, id);
    this.special = special;
    this.fast = fastPath ? plainByteLevelBPE(parsed, special) : null;
  }

  /** Whether encoding takes the fast path (tests). */
  get usesFastPath(): boolean {
    return this.fast !== null;
  }

  /**
   * Load a tokenizer.json as it is. Throws TokenizerError naming `file` when it is not JSON, has no model, names a
   * component the implementation lacks, or has ids that are not integers.
   */
  static fromTokenizerJson(text: string, file = 'tokenizer.json', opts: { fastPath?: boolean } = {}): HFTokenizer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new TokenizerError(file, `is not valid JSON (${(e as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new TokenizerError(
        file,
        'is not a JSON object; it should be a tokenizer.json written by Hugging Face tokenizers',
      );
    const j = parsed as Record<string, unknown>;
    const model = j.model as Record<string, unknown> | undefined;
    if (typeof model !== 'object' || model === null)
      throw new TokenizerError(
        file,
        'has no "model" object; it should be a tokenizer.json written by Hugging Face tokenizers',
      );
    if (typeof model.vocab !== 'object' || model.vocab === null) throw new TokenizerError(file, 'model has no "vocab"');
    const vocab = model.vocab as Record<string, unknown> | unknown[];
    if (!Array.isArray(vocab)) {
      for (const [token, id] of Object.entries(vocab))
        if (!Number.isInteger(id) || (id as number) < 0)
          throw new TokenizerError(
            file,
            `vocab entry ${JSON.stringify(token)} has id ${JSON.stringify(id)}; ids must be non-negative integers`,
          );
    }
    const added = j.added_tokens ?? [];
    if (!Array.isArray(added)) throw new TokenizerError(file, '"added_tokens" must be a list');
    added.forEach((t: { id?: unknown; content?: unknown }, i) => {
      if (typeof t?.content !== 'string' || !Number.isInteger(t.id) || (t.id as number) < 0)
        throw new TokenizerError(file, `added_tokens[${i}] needs a string "content" and a non-negative integer "id"`);
    });
    // The JS implementation expects every component key; tokenizer.json files may leave some out.
    const full = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...j };
    const unsupported = findUnsupported(full);
    if (unsupported) throw new TokenizerError(file, `field "${unsupported.field}" ${unsupported.message}`);
    return new HFTokenizer(text, full, file, opts.fastPath ?? true);
  }

  /**
   * GPT-2's `vocab.json` + `merges.txt` as GPT2TokenizerFast reads them: byte-level BPE, the ByteLevel
   * pre-tokenizer (`addPrefixSpace`, from tokenizer_config.json, default false), `<|endoftext|>` (and the project's
   * `<|bos|>` … `<|pad|>` when the vocabulary has them) as special tokens. merges.txt may have CRLF line ends, a
   * `#version` first line and blank lines; each merge must be two tokens of the vocabulary whose join is in it too.
   */
  static fromVocabMerges(
    vocabJson: string,
    mergesTxt: string,
    files = { vocab: 'vocab.json', merges: 'merges.txt' },
    addPrefixSpace = false,
  ): HFTokenizer {
    let vocab: unknown;
    try {
      vocab = JSON.parse(vocabJson);
    } catch (e) {
      throw new TokenizerError(files.vocab, `is not valid JSON (${(e as Error).message})`);
    }
    if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab))
      throw new TokenizerError(files.vocab, 'must be a JSON object of token → id');
    const v = vocab as Record<string, unknown>;
    for (const [token, id] of Object.entries(v))
      if (!Number.isInteger(id) || (id as number) < 0)
        throw new TokenizerError(
          files.vocab,
          `entry ${JSON.stringify(token)} has id ${JSON.stringify(id)}; ids must be non-negative integers`,
        );
    const merges: [string, string][] = [];
    mergesTxt.split(/\r?\n/).forEach((line, i) => {
      if (line === '' || (i === 0 && line.startsWith('#version'))) return;
      const parts = line.split(' ');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '')
        throw new TokenizerError(
          files.merges,
          `line ${i + 1} (${JSON.stringify(line)}) is not two tokens separated by one space`,
        );
      const [a, b] = parts as [string, string];
      for (const t of [a, b, a + b])
        if (!(t in v))
          throw new TokenizerError(
            files.merges,
            `line ${i + 1} (${JSON.stringify(line)}) uses ${JSON.stringify(t)}, which is not in ${files.vocab}`,
          );
      merges.push([a, b]);
    });
    const specials = ['<|endoftext|>', '<|bos|>', '<|boi|>', '<|eoi|>', '<|pad|>'].filter((t) => t in v);
    const byteLevel = { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true };
    const json = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((content) => ({
        id: v[content],
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab: v,
        merges,
      },
    };
    return HFTokenizer.fromTokenizerJson(JSON.stringify(json), files.vocab);
  }

  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    if (this.fast) return this.fast.encode(text); // no template: special tokens add nothing
    if (text === '' && !opts.addSpecialTokens) return [];
    const ids = this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids;
    const bad = ids.findIndex((id) => id === undefined || id === null);
    if (bad >= 0) {
      const token = this.tok.tokenize(text, { add_special_tokens: opts.addSpecialTokens ?? false })[bad];
      throw new TokenizerError(
        this.file,
        `has no id for the token ${JSON.stringify(token)} and no unk_token; the tokenizer cannot encode this text`,
      );
    }
    return ids;
  }

  decode(ids: number[]): string {
    if (ids.length === 0) return '';
    for (const id of ids)
      if (!Number.isInteger(id) || this.idToToken[id] === undefined)
        throw new Error(`decode: id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    return this.tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  specialId(name: string): number {
    const id = this.special.get(name);
    if (id === undefined)
      throw new Error(
        `tokenizer has no special token ${name} (it has: ${[...this.special.keys()].join(', ') || 'none'})`,
      );
    return id;
  }

  toTokenizerJson(): string {
    return this.json;
  }
}

/**
 * The project's BPE for a tokenizer.json that is exactly the GPT-2 byte-level format (see the module comment), or
 * null when anything in it needs the full pipeline.
 */
function plainByteLevelBPE(j: Record<string, unknown>, special: ReadonlyMap<string, number>): BPETokenizer | null {
  const pre = j.pre_tokenizer as Record<string, unknown> | null;
  const post = j.post_processor as Record<string, unknown> | null;
  const model = j.model as Record<string, unknown>;
  const plainPre = pre?.type === 'ByteLevel' && pre.add_prefix_space === false && pre.use_regex !== false;
  const plainPost = post === null || post.type === 'ByteLevel';
  const noOptions =
    (model.type ?? 'BPE') === 'BPE' &&
    !model.dropout &&
    model.unk_token == null &&
    !model.continuing_subword_prefix &&
    !model.end_of_word_suffix &&
    !model.byte_fallback &&
    !model.ignore_merges;
  const added = j.added_tokens as { lstrip?: boolean; rstrip?: boolean; single_word?: boolean }[];
  if (
    !plainPre ||
    !plainPost ||
    j.normalizer !== null ||
    !noOptions ||
    added.some((t) => t.lstrip || t.rstrip || t.single_word) ||
    Array.isArray(model.vocab)
  )
    return null;
  const vocab = new Map(Object.entries(model.vocab as Record<string, number>).filter(([t]) => !special.has(t)));
  const merges: [string, string][] = [];
  for (const m of (model.merges ?? []) as (string | string[])[]) {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (pair.length !== 2 || !vocab.has(pair[0]) || !vocab.has(pair[1]) || !vocab.has(pair[0] + pair[1])) return null;
    merges.push([pair[0], pair[1]]);
  }
  // Every byte must have a token, as the GPT-2 byte alphabet guarantees (else the library's unknown-token path is needed).
  if (!BPETokenizer.coversAllBytes(vocab)) return null;
  return new BPETokenizer(vocab, merges, new Map(special));
}
