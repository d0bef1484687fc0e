// The tokenizer loader in a browser bundle (issue 11, kind 3): src/core/tokenize/hf.ts bundled by Vite for the
// browser and run in the system Chromium gives, for a tokenizer.json that needs the whole @huggingface/tokenizers
// pipeline (add_prefix_space, NFKC + Lowercase, Digits, a BOS template, an lstrip added token), the same ids as
// Hugging Face's Rust `tokenizers` in Node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Browser } from 'playwright-core';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { trainBPE } from '../../src/core/tokenize/train-bpe';
import { launch, openPage, problems } from './browser';

const TEXTS = [
  'Emma Woodhouse, handsome',
  ' leading space',
  'ﬁne ΣΑΣ İstanbul',
  '٣١٢ and 1234 ½',
  'a <mask> b<|bos|>c',
  '👩‍👩‍👧 e\u0301\r\n\tend',
  '',
];

function tokenizerJson(): string {
  const j = JSON.parse(
    trainBPE('Emma Woodhouse, handsome, clever, and rich; 1234 fine days. '.repeat(5), {
      vocabSize: 320,
    }).toTokenizerJson(),
  );
  const bos = j.added_tokens.find((t: { content: string }) => t.content === '<|bos|>').id;
  j.added_tokens.push({
    id: Math.max(...j.added_tokens.map((t: { id: number }) => t.id)) + 1,
    content: '<mask>',
    single_word: false,
    lstrip: true,
    rstrip: false,
    normalized: false,
    special: true,
  });
  j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] };
  j.pre_tokenizer = {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Digits', individual_digits: true },
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    ],
  };
  j.post_processor = {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<|bos|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ Sequence: { id: 'A', type_id: 0 } }],
    special_tokens: { '<|bos|>': { id: '<|bos|>', ids: [bos], tokens: ['<|bos|>'] } },
  };
  return JSON.stringify(j);
}

describe('tokenizer.json in the browser bundle', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it('gives the ids of Hugging Face tokenizers (Rust) for a full pipeline', async () => {
    const out = await build({
      configFile: false,
      logLevel: 'warn',
      build: {
        write: false,
        minify: true,
        lib: { entry: 'src/core/tokenize/hf.ts', formats: ['iife'], name: 'TabulaTokenizers' },
      },
    });
    const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
    const code = outputs.flatMap((o) => o.output).find((c) => c.type === 'chunk')!.code!;
    expect(code).not.toMatch(/\brequire\(/); // a browser bundle, no Node module loading
    const json = tokenizerJson();
    const rust = RustTokenizer.fromString(json);
    const want = await Promise.all(
      TEXTS.map(async (t) => (await rust.encode(t, null, { addSpecialTokens: true })).getIds()),
    );

    const logged = await openPage(browser, 'about:blank');
    await logged.page.addScriptTag({ content: code });
    const got = await logged.page.evaluate(
      ({ json, texts }) => {
        const { HFTokenizer } = (
          globalThis as unknown as { TabulaTokenizers: typeof import('../../src/core/tokenize/hf') }
        ).TabulaTokenizers;
        const tok = HFTokenizer.fromTokenizerJson(json, 'tokenizer.json');
        return { ids: texts.map((t) => tok.encode(t, { addSpecialTokens: true })), fast: tok.usesFastPath };
      },
      { json, texts: TEXTS },
    );
    expect(got.fast).toBe(false); // the library's pipeline ran, not the plain-format shortcut
    expect(got.ids).toEqual(want);
    expect(problems(logged)).toEqual([]);
    await logged.page.close();
  });
});
