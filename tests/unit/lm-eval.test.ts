// The lm-eval entry point end to end: a saved checkpoint, the JSON contract line, and one-line refusals of bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { saveGPT2 } from '../../src/core/checkpoint/gpt2';
import { GPT } from '../../src/core/nn/gpt';
import { parseIds } from '../../src/cli/common';
import { trainBPE } from '../../src/core/tokenize/train-bpe';
import { referenceNll } from './reference/gpt64';
import { useBackend, weights64 } from './helpers/tf';

const run = promisify(execFile);
let dir = '';
let model: GPT;
const cfg = {
  vocabSize: 23,
  nPositions: 8,
  nEmbd: 8,
  nLayer: 1,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.3,
};

async function lmEval(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', ['--import', 'tsx', 'src/cli/lm-eval.ts', ...args], { cwd: process.cwd() });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('npm run lm-eval', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'lm-eval-'));
    model = new GPT(cfg, 3);
    await mkdir(join(dir, 'ckpt'));
    for (const [name, bytes] of saveGPT2(model)) await writeFile(join(dir, 'ckpt', name), bytes);
  });
  afterAll(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints {"ids","mean_nll"} matching the float64 reference, across context windows', async () => {
    const ids = [1, 4, 9, 16, 22, 3, 7, 0, 5, 11, 2, 19]; // 12 ids > nPositions 8: two windows overlapping by one
    await writeFile(join(dir, 'ids.json'), JSON.stringify(ids));
    const r = await lmEval('--checkpoint', join(dir, 'ckpt'), '--ids-file', join(dir, 'ids.json'), '--json');
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(out.ids).toEqual(ids);
    const W = weights64(model);
    const nll = [...referenceNll(cfg, W, ids.slice(0, 8)), ...referenceNll(cfg, W, ids.slice(7, 12))];
    expect(nll).toHaveLength(11);
    expect(out.mean_nll).toBeCloseTo(nll.reduce((a, b) => a + b, 0) / nll.length, 5);
  });

  it('encodes --text-file with the checkpoint tokenizer.json, giving the same result as its ids', async () => {
    const tok = trainBPE('the cat sat on the mat. the dog sat on the log.', { vocabSize: 270 });
    const withTok = new GPT({ ...cfg, vocabSize: tok.vocabSize }, 4);
    await mkdir(join(dir, 'with-tok'));
    for (const [name, bytes] of saveGPT2(withTok, {}, tok.toTokenizerJson()))
      await writeFile(join(dir, 'with-tok', name), bytes);
    withTok.dispose();
    const text = 'the cat sat';
    await writeFile(join(dir, 'text.txt'), text);
    const byText = JSON.parse(
      (await lmEval('--checkpoint', join(dir, 'with-tok'), '--text-file', join(dir, 'text.txt'), '--json')).stdout,
    );
    expect(byText.ids).toEqual(tok.encode(text));
    await writeFile(join(dir, 'same.json'), JSON.stringify(byText.ids));
    const byIds = JSON.parse(
      (await lmEval('--checkpoint', join(dir, 'with-tok'), '--ids-file', join(dir, 'same.json'), '--json')).stdout,
    );
    expect(byIds.mean_nll).toBe(byText.mean_nll);
    await writeFile(join(dir, 'latin1.txt'), Uint8Array.from([0x63, 0x61, 0x66, 0xe9]));
    const bad = await lmEval('--checkpoint', join(dir, 'with-tok'), '--text-file', join(dir, 'latin1.txt'));
    expect(bad.stderr).toMatch(/latin1\.txt: not valid UTF-8 at byte 3 \(line 1\); save it as UTF-8/);
  });

  it.each([
    [['--ids-file', 'x'], /^lm-eval: --checkpoint is required/],
    [['--checkpoint', '/nonexistent/dir', '--ids-file', 'x'], /^lm-eval: \/nonexistent\/dir: no such directory/],
  ])('refuses bad arguments in one line: %j', async (args, message) => {
    const r = await lmEval(...(args as string[]));
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('refuses out-of-vocabulary ids, a broken checkpoint and text without a tokenizer, naming the file', async () => {
    await writeFile(join(dir, 'big.txt'), '1 2 99');
    let r = await lmEval('--checkpoint', join(dir, 'ckpt'), '--ids-file', join(dir, 'big.txt'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/big\.txt: id 99 at position 2 is outside the vocabulary \[0, 23\)/);
    await mkdir(join(dir, 'broken'));
    await writeFile(join(dir, 'broken', 'config.json'), '{"n_embd": 8}');
    r = await lmEval('--checkpoint', join(dir, 'broken'), '--ids-file', join(dir, 'big.txt'));
    expect(r.stderr).toMatch(/broken\/config\.json: field "vocab_size" must be a positive integer/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    await writeFile(join(dir, 'prose.txt'), 'It is a truth universally acknowledged');
    r = await lmEval('--checkpoint', join(dir, 'ckpt'), '--text-file', join(dir, 'prose.txt'));
    expect(r.stderr).toMatch(/ckpt\/tokenizer\.json: no tokenizer in the checkpoint/);
  });
});

describe('parseIds', () => {
  it('reads JSON arrays and whitespace- or comma-separated ids', () => {
    expect(parseIds('[1, 2, 3]', 'f')).toEqual([1, 2, 3]);
    expect(parseIds(' 4 5,6\n7 ', 'f')).toEqual([4, 5, 6, 7]);
  });
  it('names the file and the bad entry', () => {
    expect(() => parseIds('', 'ids.txt')).toThrow(/ids\.txt: the file is empty/);
    expect(() => parseIds('1 two 3', 'ids.txt')).toThrow(
      /ids\.txt: entry 2 \("two"\) is not a non-negative integer id/,
    );
    expect(() => parseIds('[1, -2]', 'ids.txt')).toThrow(/entry 2 \(-2\)/);
    expect(() => parseIds('[1, 2', 'ids.txt')).toThrow(/ids\.txt: not a valid JSON array/);
  });
});
