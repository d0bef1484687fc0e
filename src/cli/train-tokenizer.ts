/**
 * `npm run train-tokenizer -- [--vocab 2048] [--out FILE]`: trains the byte-level BPE on the five pre-training
 * Austen novels, writes a Hugging Face tokenizer.json, and prints the training time and the compression (bytes per
 * token) on the held-out texts (Persuasion, Moby-Dick).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { trainBPE } from '../core/tokenize/train-bpe';
import { AUSTEN_BOOKS, ENGLISH_TEXTS } from '../core/data/corpus';
import { readPublicData } from './data/public-data';
import { intArg, parseFlags, runCli } from './common';

async function main(): Promise<void> {
  const { values } = parseFlags(
    {
      vocab: { type: 'string', default: '2048', value: 'V', description: 'vocabulary size, 512 to 8192' },
      out: {
        type: 'string',
        default: 'runs/tokenizer/tokenizer.json',
        value: 'FILE',
        description: 'where the Hugging Face tokenizer.json goes',
      },
    },
    'usage: npm run train-tokenizer -- [--vocab 2048] [--out FILE]',
    false,
    'Trains the byte-level BPE on the five pre-training novels; prints its time and bytes per token on held-out text.',
  );
  const vocab = intArg(values.vocab, 'vocab', 512, 8192);
  const dec = new TextDecoder();
  const train = await Promise.all(
    AUSTEN_BOOKS.filter((b) => b.role === 'train').map(async (b) => dec.decode(await readPublicData(b.file))),
  );
  const t0 = performance.now();
  const tok = trainBPE(train, { vocabSize: vocab });
  const seconds = (performance.now() - t0) / 1000;
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, tok.toTokenizerJson());
  console.log(
    `trained a ${tok.vocabSize}-id byte-level BPE on ${train.reduce((a, t) => a + t.length, 0).toLocaleString('en')} characters in ${seconds.toFixed(1)} s → ${values.out}`,
  );
  for (const src of ENGLISH_TEXTS.filter((s) => s.role !== 'train')) {
    const text = dec.decode(await readPublicData(src.file));
    const ids = tok.encode(text);
    const ok = tok.decode(ids) === text;
    console.log(
      `  ${src.title} (${src.role}): ${(new TextEncoder().encode(text).length / ids.length).toFixed(2)} bytes/token over ${ids.length.toLocaleString('en')} tokens; round trip ${ok ? 'exact' : 'FAILED'}`,
    );
  }
}

runCli('train-tokenizer', main);
