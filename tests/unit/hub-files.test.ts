// Hub-complete checkpoints (issue 25): every writer's checkpoint carries tokenizer_config.json,
// special_tokens_map.json, generation_config.json, a model card and a tokenizer.json whose added tokens name every id
// of the embedding. Read here the way AutoTokenizer reads them (tokenizer_config's token names resolved through
// tokenizer.json's added tokens, Hugging Face's Rust `tokenizers` for the ids), by the project's own loader (captions
// tokenize exactly as with the LM's tokenizer), and — where Python has transformers (SCALE_PYTHON, default python3;
// else skipped with the reason) — by transformers itself: AutoTokenizer gives the project's special ids and pads a
// batch, len(tokenizer) == vocab_size, AutoModelForCausalLM and GenerationConfig load without a warning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { loadGPT2, saveGPT2 } from '../../src/core/checkpoint/gpt2';
import { hubTokenizerJson, imageTokenText } from '../../src/core/checkpoint/hub-files';
import { memorySource } from '../../src/core/checkpoint/source';
import { checkpointTokenizer } from '../../src/core/checkpoint/tokenizer';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import type { ExperimentData } from '../../src/core/experiment/data';
import { planVocab } from '../../src/core/experiment/extend';
import { saveRun } from '../../src/core/experiment/resume';
import { ExperimentRunner } from '../../src/core/experiment/runner';
import { GPT } from '../../src/core/nn/gpt';
import { Rng } from '../../src/core/nn/init';
import { HFTokenizer } from '../../src/core/tokenize/hf';
import { useBackend } from './helpers/tf';

const PY = process.env.SCALE_PYTHON ?? 'python3';
const pyCheck = spawnSync(PY, ['-c', 'import transformers, torch'], { encoding: 'utf8' });
const WHY = `${PY} cannot import transformers and torch (${(pyCheck.stderr ?? String(pyCheck.error ?? '')).trim().split('\n').pop()}); set SCALE_PYTHON to a python with scale/requirements.txt to run this check`;

const LM = 'public/models/lm-austen';
const lmTokenizerJson = readFileSync(`${LM}/tokenizer.json`, 'utf8');
const captionItems = (
  JSON.parse(readFileSync('public/data/emoji/captions.json', 'utf8')) as { items: { captions: string[] }[] }
).items;
/** Every caption level of 200 emoji, plus text with what byte-level BPE finds hard (spaces, digits, accents, specials). */
const TEXTS = [
  ...captionItems.slice(0, 200).flatMap((i) => i.captions),
  '  two  spaces\tand a tab\n',
  'naïve café — 1,234.5 ¥',
  'Emma <|bos|> Woodhouse <|pad|>',
];
const dec = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const json = (files: Map<string, Uint8Array>, f: string) => JSON.parse(dec(files.get(f))) as Record<string, unknown>;

/** A run checkpoint of the shipped LM's vocabulary extended by 512 image codes (small body, real tokenizer). */
function runCheckpoint(): { files: Map<string, Uint8Array>; model: GPT } {
  const tok = HFTokenizer.fromTokenizerJson(lmTokenizerJson);
  const plan = planVocab(tok.vocabSize, tok.special, 512);
  const model = new GPT(
    {
      vocabSize: plan.vocabSize,
      nPositions: 96,
      nEmbd: 8,
      nLayer: 1,
      nHead: 2,
      layerNormEps: 1e-5,
      tieEmbeddings: true,
      initStd: 0.02,
    },
    1,
  );
  const s = plan.special;
  const files = saveGPT2(
    model,
    {
      specialTokens: { '<|bos|>': s.bos, '<|boi|>': s.boi, '<|eoi|>': s.eoi, '<|pad|>': s.pad },
      imageTokens: { offset: plan.imageOffset, count: plan.imageCodes },
      provenance: { arm: 'pretrained', seed: 1, step: 30, dataset: 'twemoji' },
    },
    lmTokenizerJson,
  );
  return { files, model };
}

/**
 * What AutoTokenizer resolves from tokenizer_config.json: each named special token's id through tokenizer.json's
 * added tokens (a name it lacks would be added as a new id — the failure issue 25 found), the class, the length.
 */
function autoTokenizerView(files: Map<string, Uint8Array>) {
  const tj = JSON.parse(dec(files.get('tokenizer.json'))) as {
    added_tokens: { id: number; content: string }[];
    model: { vocab: Record<string, number> };
  };
  const ids = new Map(tj.added_tokens.map((t) => [t.content, t.id]));
  const cfg = json(files, 'tokenizer_config.json');
  const idOf = (k: string) =>
    cfg[k] === null || cfg[k] === undefined
      ? null
      : (ids.get(cfg[k] as string) ?? `not an added token: ${String(cfg[k])}`);
  return {
    cls: cfg.tokenizer_class,
    bos: idOf('bos_token'),
    eos: idOf('eos_token'),
    pad: idOf('pad_token'),
    unk: idOf('unk_token'),
    max: cfg.model_max_length,
    len: new Set([...Object.values(tj.model.vocab), ...ids.values()]).size,
  };
}

let dir = '';
beforeAll(() => useBackend('cpu'));
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe('hub files of a run checkpoint', () => {
  it('tokenizer.json names every id: the image codes as added tokens after the text vocabulary', () => {
    const { files, model } = runCheckpoint();
    const rust = RustTokenizer.fromString(dec(files.get('tokenizer.json')));
    expect(rust.getVocabSize(true)).toBe(2560); // 2,048 text ids (4 specials among them) + 512 codes
    expect(rust.idToToken(2048)).toBe('<|img_0|>');
    expect(rust.idToToken(2559)).toBe('<|img_511|>');
    expect(rust.tokenToId('<|img_7|>')).toBe(2055);
    expect(autoTokenizerView(files)).toEqual({
      cls: 'PreTrainedTokenizerFast',
      bos: 2044,
      eos: 2046,
      pad: 2047,
      unk: null,
      max: 96,
      len: 2560,
    });
    const cfg = json(files, 'config.json');
    expect(json(files, 'generation_config.json')).toEqual({
      bos_token_id: cfg.bos_token_id,
      eos_token_id: cfg.eos_token_id,
      pad_token_id: cfg.pad_token_id,
      max_length: 96,
    });
    expect(json(files, 'special_tokens_map.json')).toEqual({
      bos_token: '<|bos|>',
      eos_token: '<|eoi|>',
      pad_token: '<|pad|>',
      additional_special_tokens: ['<|boi|>'],
    });
    model.dispose();
  });

  it('the model card: front matter for the Hub, and what the model is and how it was trained', () => {
    const { files, model } = runCheckpoint();
    const card = dec(files.get('README.md'));
    const front = card.split('\n---\n')[0].split('\n').slice(1);
    expect(card.startsWith('---\n')).toBe(true);
    expect(front).toEqual(
      expect.arrayContaining([
        'library_name: transformers',
        'license: mit',
        '  - arxiv:2311.16201',
        'datasets:',
        '  - "twemoji"',
      ]),
    );
    expect(card).toContain('1 layers, 2 heads, width 8, context 96 and 2560 token ids');
    expect(card).toContain('ids 2048–2559 are the 512 codes');
    expect(card).toContain('Arm `pretrained`, seed 1, after 30 optimizer steps.');
    model.dispose();
  });

  it("the project loads it back, and captions tokenize exactly as with the LM's own tokenizer", async () => {
    const { files, model } = runCheckpoint();
    const loaded = await loadGPT2(memorySource('run', files), 'hub-load');
    const tok = await checkpointTokenizer(memorySource('run', files), loaded.tokenizerJson);
    const lmTok = HFTokenizer.fromTokenizerJson(lmTokenizerJson);
    expect(tok.vocabSize).toBe(loaded.config.vocabSize);
    expect((tok as HFTokenizer).usesFastPath).toBe(true);
    for (const t of TEXTS) expect(tok.encode(t), t).toEqual(lmTok.encode(t));
    const rust = RustTokenizer.fromString(dec(files.get('tokenizer.json')));
    for (const t of TEXTS.slice(0, 50)) expect((await rust.encode(t)).getIds(), t).toEqual(tok.encode(t));
    expect(tok.decode([2044, 2048, 2559, 2046])).toBe('<|bos|><|img_0|><|img_511|><|eoi|>');
    loaded.model.dispose();
    model.dispose();
  });

  it('a replicate run checkpoint (saveRun) with a tokenizer that lacks the specials appends them first', () => {
    const rng = new Rng(2);
    const plan = planVocab(20, new Map([['<|endoftext|>', 19]]), 8); // <|bos|> is <|endoftext|>; boi, eoi, pad appended
    const split = (k: number) => ({
      codes: Int32Array.from({ length: k * 4 }, () => rng.int(8)),
      captions: Array.from({ length: k }, () => [rng.int(16)]),
      text: Array.from({ length: k }, () => 'c'),
      count: k,
    });
    const data: ExperimentData = {
      plan,
      imageTokens: 4,
      train: split(8),
      val: split(4),
      english: { train: Int32Array.from({ length: 200 }, () => rng.int(16)), heldout: [1, 2, 3, 4], ood: [4, 3, 2, 1] },
    };
    const lm = new GPT(
      {
        vocabSize: 20,
        nPositions: 16,
        nEmbd: 8,
        nLayer: 1,
        nHead: 2,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.2,
      },
      3,
      'hub-lm',
    );
    const cfg: ExperimentConfig = {
      ...PRESETS.smoke,
      arms: ['pretrained'],
      captionBudget: 2,
      batchSize: 2,
      steps: 2,
      evalEvery: 2,
      evalImages: 4,
      englishTokens: 4,
      warmupSteps: 1,
    };
    const runner = new ExperimentRunner(cfg, data, lm);
    const vocab = Object.fromEntries([...Array(19).keys()].map((i) => [String.fromCharCode(97 + i), i]));
    const textTok = JSON.stringify({
      version: '1.0',
      added_tokens: [
        {
          id: 19,
          content: '<|endoftext|>',
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        },
      ],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      model: { type: 'BPE', vocab, merges: [] },
    });
    const files = saveRun(runner.runs[0], plan, textTok);
    const added = (JSON.parse(dec(files.get('tokenizer.json'))) as { added_tokens: { id: number; content: string }[] })
      .added_tokens;
    expect(added.map((t) => `${t.id}:${t.content}`)).toEqual([
      '19:<|endoftext|>',
      '20:<|boi|>',
      '21:<|eoi|>',
      '22:<|pad|>',
      ...[...Array(8).keys()].map((k) => `${23 + k}:${imageTokenText(k)}`),
    ]);
    expect(autoTokenizerView(files)).toMatchObject({ bos: 19, eos: 21, pad: 22, unk: null, len: 31 });
    expect(files.has('optimizer.safetensors') && files.has('run.json')).toBe(true);
    runner.dispose();
    lm.dispose();
  });

  it('the pre-trained LM (no image codes): eos only where the vocabulary has one, tokenizer.json unchanged', () => {
    const tok = HFTokenizer.fromTokenizerJson(lmTokenizerJson);
    const model = new GPT(
      {
        vocabSize: 2048,
        nPositions: 96,
        nEmbd: 8,
        nLayer: 1,
        nHead: 2,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.02,
      },
      1,
    );
    const files = saveGPT2(
      model,
      {
        specialTokens: Object.fromEntries(tok.special),
        provenance: { data: ['Emma', 'Persuasion'], tokensSeen: 1000 },
      },
      lmTokenizerJson,
    );
    expect(dec(files.get('tokenizer.json'))).toBe(lmTokenizerJson);
    expect(autoTokenizerView(files)).toEqual({
      cls: 'PreTrainedTokenizerFast',
      bos: 2044,
      eos: null,
      pad: 2047,
      unk: null,
      max: 96,
      len: 2048,
    });
    expect(dec(files.get('README.md'))).toContain('Pre-trained on Emma, Persuasion (1,000 tokens seen).');
    model.dispose();
  });

  it('refuses an id it cannot name, naming the file', () => {
    expect(() => hubTokenizerJson(lmTokenizerJson, 2050, { specialTokens: {} }, 'lm/tokenizer.json')).toThrow(
      'lm/tokenizer.json: has 2048 ids and the model 2050; id 2048 is neither a special token nor an image code, so it cannot be named',
    );
    expect(() => hubTokenizerJson('{"model": 3}', 10, {}, 'x/tokenizer.json')).toThrow(
      'x/tokenizer.json: has no model.vocab',
    );
  });
});

describe('transformers opens a run checkpoint', () => {
  it("AutoTokenizer: the project's special ids, a padded batch, len == vocab_size; AutoModelForCausalLM loads without warnings", async (ctx) => {
    if (pyCheck.status !== 0) ctx.skip(WHY);
    dir ||= await mkdtemp(join(tmpdir(), 'hub-'));
    const { files, model } = runCheckpoint();
    for (const [name, bytes] of files) await writeFile(join(dir, name), bytes);
    model.dispose();
    const script = [
      'import io, json, logging, sys, warnings',
      'from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig',
      'from transformers.utils import logging as tlog',
      'log = io.StringIO(); tlog.get_logger().addHandler(logging.StreamHandler(log)); tlog.set_verbosity_warning()',
      'with warnings.catch_warnings(record=True) as w:',
      '    warnings.simplefilter("always")',
      '    tok = AutoTokenizer.from_pretrained(sys.argv[1]); model = AutoModelForCausalLM.from_pretrained(sys.argv[1]); gen = GenerationConfig.from_pretrained(sys.argv[1])',
      'b = tok(["a red heart", "grinning face with big eyes"], padding=True)',
      'print(json.dumps({"len": len(tok), "vocab_size": model.config.vocab_size, "ids": [tok.bos_token_id, tok.eos_token_id, tok.pad_token_id, tok.unk_token_id], "max": tok.model_max_length,',
      '  "batch": b["input_ids"], "mask": b["attention_mask"], "img7": tok.convert_tokens_to_ids("<|img_7|>"), "gen": [gen.bos_token_id, gen.eos_token_id, gen.pad_token_id, gen.max_length],',
      '  "plain": tok.decode([2044, 97, 2048, 2046], skip_special_tokens=True), "warnings": [str(x.message) for x in w] + [l for l in log.getvalue().splitlines() if l]}))',
    ].join('\n');
    const r = spawnSync(PY, ['-c', script, dir], {
      encoding: 'utf8',
      env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_VERBOSITY: 'warning' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const lmTok = HFTokenizer.fromTokenizerJson(lmTokenizerJson);
    const [a, b] = ['a red heart', 'grinning face with big eyes'].map((t) => lmTok.encode(t));
    const n = Math.max(a.length, b.length);
    const leftPad = (ids: number[]) => [...Array<number>(n - ids.length).fill(2047), ...ids];
    expect(out).toEqual({
      len: 2560,
      vocab_size: 2560,
      ids: [2044, 2046, 2047, null],
      max: 96,
      batch: [leftPad(a), leftPad(b)],
      mask: [a, b].map((ids) => [...Array<number>(n - ids.length).fill(0), ...ids.map(() => 1)]),
      img7: 2055,
      gen: [2044, 2046, 2047, 96],
      plain: lmTok.decode([97]),
      warnings: [],
    });
  });
});
