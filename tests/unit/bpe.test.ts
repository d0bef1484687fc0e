// Byte-level BPE: round trips on arbitrary Unicode and the held-out novel, GPT-2 id parity against gpt-tokenizer,
// tokenizer.json round trips through @huggingface/tokenizers, special tokens, deterministic training.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { encode as gpt2Encode } from 'gpt-tokenizer/encoding/r50k_base';
import { BPETokenizer, BYTE_TO_CHAR, SPECIAL_TOKENS } from '../../src/core/tokenize/bpe';
import { HFTokenizer } from '../../src/core/tokenize/hf';
import { trainBPE } from '../../src/core/tokenize/train-bpe';
import { gpt2Tokenizer } from './helpers/gpt2-tokenizer';
import { Rng } from '../../src/core/nn/init';

const persuasion = readFileSync('public/data/text/austen/persuasion.txt', 'utf8');
const emma = readFileSync('public/data/text/austen/emma.txt', 'utf8');
let tok: BPETokenizer;

function randomUnicode(rng: Rng, n: number): string {
  const ranges: [number, number][] = [
    [0x20, 0x7e],
    [0x09, 0x0d],
    [0xa0, 0x24f],
    [0x370, 0x3ff],
    [0x400, 0x4ff],
    [0x4e00, 0x4fff],
    [0x1f300, 0x1f6ff],
    [0x300, 0x36f],
    [0xac00, 0xad00],
    [0x10000, 0x1007f],
  ];
  let s = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = ranges[rng.int(ranges.length)];
    s += String.fromCodePoint(lo + rng.int(hi - lo + 1));
  }
  return s;
}

describe('byte-level BPE', () => {
  beforeAll(() => {
    tok = trainBPE(emma, { vocabSize: 1024 });
  });

  it('lays out ids: 256 bytes, then merges, then the special tokens', () => {
    expect(tok.vocabSize).toBe(1024);
    expect(tok.merges).toHaveLength(1024 - 256 - SPECIAL_TOKENS.length);
    expect(tok.idToToken.slice(0, 256)).toEqual(BYTE_TO_CHAR);
    SPECIAL_TOKENS.forEach((s, i) => expect(tok.specialId(s)).toBe(1020 + i));
    expect(tok.encode('<|bos|>Emma<|eoi|>')).toEqual([1020, ...tok.encode('Emma'), 1022]);
  });

  it('round-trips arbitrary Unicode: decode(encode(s)) = s', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const s = randomUnicode(rng, 1 + rng.int(60));
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
    for (const s of [
      '',
      ' ',
      '\n\n',
      'naïve café',
      '👩🏽‍🔬 emoji zwj',
      'e\u0301',
      '\u0000\u0001',
      '<|pad|><|pad|>',
      "it's 'quoted'",
    ])
      expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('round-trips the held-out novel and compresses it', () => {
    const ids = tok.encode(persuasion);
    expect(tok.decode(ids)).toBe(persuasion);
    const bytesPerToken = Buffer.byteLength(persuasion) / ids.length;
    expect(bytesPerToken).toBeGreaterThan(2.5); // merges learnt on Emma help on Persuasion (bytes alone would be 1.0)
  });

  it('trains deterministically', () => {
    const again = trainBPE(emma, { vocabSize: 1024 });
    expect(again.merges).toEqual(tok.merges);
  });

  it('round-trips through tokenizer.json', () => {
    const json = tok.toTokenizerJson();
    const parsed = JSON.parse(json);
    expect(parsed.model.type).toBe('BPE');
    expect(parsed.pre_tokenizer.type).toBe('ByteLevel');
    expect(parsed.added_tokens.map((t: { content: string }) => t.content)).toEqual([...SPECIAL_TOKENS]);
    const back = HFTokenizer.fromTokenizerJson(json);
    expect(back.vocabSize).toBe(tok.vocabSize);
    expect([...back.special]).toEqual([...tok.special]);
    const text = persuasion.slice(0, 5000) + '<|boi|>';
    expect(back.encode(text)).toEqual(tok.encode(text));
    expect(back.decode(tok.encode(text))).toBe(text);
    // Older files write merges as "a b" strings.
    parsed.model.merges = parsed.model.merges.map((m: string[]) => m.join(' '));
    expect(HFTokenizer.fromTokenizerJson(JSON.stringify(parsed)).encode(text)).toEqual(tok.encode(text));
  });
});

describe("GPT-2's tokenizer", () => {
  const texts = [
    "Hello world, it's 2026! naïve café 🎉",
    '  multiple   spaces\n\nand\ttabs\r\n',
    '日本語のテキストと한국어',
    persuasion.slice(10_000, 14_000),
    'The 1,234.56 numbers; "quotes" — dashes… and ellipses',
  ];

  it('gives the same ids as gpt-tokenizer, also through vocab.json + merges.txt and tokenizer.json', async () => {
    const gpt2 = await gpt2Tokenizer();
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.merges).toHaveLength(50000);
    const vocabJson = JSON.stringify(Object.fromEntries([...gpt2.vocab, ['<|endoftext|>', 50256]]));
    const mergesTxt = '#version: 0.2\n' + gpt2.merges.map((m) => m.join(' ')).join('\n') + '\n';
    const fromFiles = HFTokenizer.fromVocabMerges(vocabJson, mergesTxt);
    const fromJson = HFTokenizer.fromTokenizerJson(gpt2.toTokenizerJson());
    for (const t of texts) {
      const expected = gpt2Encode(t);
      expect(gpt2.encode(t)).toEqual(expected);
      expect(fromFiles.encode(t)).toEqual(expected);
      expect(fromJson.encode(t)).toEqual(expected);
      expect(gpt2.decode(expected)).toBe(t);
    }
  });
});
