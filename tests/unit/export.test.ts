// `npm run export` (src/cli/export.ts, src/core/experiment/export.ts) on the smoke preset with four arms: every file
// hashed in meta.json, ids in range and laid out as sequences.ts lays them, masks recomputed from the ids alone, the
// batch order and mix windows as the runner draws them, and every initial checkpoint loading back here and giving
// the reference losses (step 0 evaluation and step 1 training losses) from the export's own files; the Parquet splits,
// dataset card and meta.pkl read back here and, where Python has `datasets` (SCALE_PYTHON), by load_dataset and pickle.
import * as tf from '../../src/core/tf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parquetReadObjects } from 'hyparquet';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadGPT2 } from '../../src/core/checkpoint/gpt2';
import { sequenceSpec } from '../../src/core/experiment/data';
import { evaluateArm, evalMetrics } from '../../src/core/experiment/evals';
import { parseMetricsCsv } from '../../src/core/experiment/metrics-csv';
import { maskedMean } from '../../src/core/nn/ops';
import { METRICS } from '../../src/core/metrics';
import { dirSource } from '../../src/cli/common';
import { exportData, readExport, type ReadExport } from './helpers/export-files';
import { useBackend } from './helpers/tf';

const run = promisify(execFile);
const PY = process.env.SCALE_PYTHON ?? 'python3';
const pyData = spawnSync(PY, ['-c', 'import datasets'], { encoding: 'utf8' });
const PY_WHY = `${PY} cannot import datasets (${(pyData.stderr ?? String(pyData.error ?? '')).trim().split('\n').pop()}); set SCALE_PYTHON to a python with scale/requirements.txt to check load_dataset`;
const ARMS = ['pretrained', 'scratch', 'image-only-pretrained', 'pretrained-mix'];
let dir = '';
let out = '';
let ex: ReadExport;

describe('npm run export -- --preset smoke', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'export-'));
    out = join(dir, 'smoke');
    const r = await run(
      'node',
      [
        '--import',
        'tsx',
        'src/cli/export.ts',
        '--preset',
        'smoke',
        '--arms',
        ARMS.join(','),
        '--seeds',
        '2',
        '--margin',
        '0.07',
        '--out',
        out,
      ],
      { maxBuffer: 16 * 2 ** 20 },
    );
    expect(r.stdout).toMatch(/export: \d+ files/);
    expect(existsSync(join(out, '.run.lock')), 'the export released its folder lock').toBe(false);
    ex = readExport(out);
  }, 600_000);
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('records every file with its SHA-256 and the experiment with every config field', async () => {
    for (const [name, hash] of Object.entries(ex.meta.files))
      expect(
        createHash('sha256')
          .update(await readFile(join(out, name)))
          .digest('hex'),
        name,
      ).toBe(hash);
    expect(Object.keys(ex.meta.files)).toEqual(
      expect.arrayContaining([
        'train.bin',
        'val.mask.bin',
        'order.bin',
        'mix.bin',
        'reference.csv',
        'init/pretrained-s1/model.safetensors',
        'init/pretrained-mix-s0/tokenizer.json',
      ]),
    );
    expect(ex.meta.vocabSize).toBe(ex.meta.image.offset + ex.meta.image.count);
    expect(ex.meta.sequence.length).toBe(ex.meta.sequence.captionBudget + ex.meta.image.tokens + 3);
    const cfg = ex.experiment.config;
    expect(cfg.arms).toEqual(ARMS);
    expect(cfg.seeds).toBe(2);
    expect(ex.experiment.margin).toBe(0.07);
    expect(ex.experiment.arms.find((a) => a.name === 'pretrained-mix')!.mix).toBe(0.25);
    expect(ex.experiment.metrics).toEqual(METRICS);
    for (const key of [
      'lr',
      'lrByArm',
      'schedule',
      'warmupSteps',
      'weightDecay',
      'evalEvery',
      'evalImages',
      'englishTokens',
      'rowInit',
      'captionLevel',
      'captionBudget',
      'margin',
      'checkpointEvery',
    ])
      expect(cfg, key).toHaveProperty(key);
  });

  it('lays out every sequence as sequences.ts does, with masks that follow from the ids alone', () => {
    const { meta } = ex;
    const T = meta.sequence.length;
    const first = meta.image.firstPosition;
    const { bos, boi, eoi, pad } = meta.special;
    for (const s of [ex.train, ex.val]) {
      const n = s.ids.length / T;
      expect(s.mask.length).toBe(n * (T - 1));
      for (let i = 0; i < n; i++) {
        const row = s.ids.subarray(i * T, (i + 1) * T);
        expect([row[0], row[first - 1], row[T - 1]]).toEqual([bos, boi, eoi]);
        for (let t = 1; t < first - 1; t++)
          expect(row[t] < meta.image.offset && (row[t] === pad || ![bos, boi, eoi].includes(row[t]))).toBe(true);
        for (let t = first; t < first + meta.image.tokens; t++)
          expect(row[t] >= meta.image.offset && row[t] < meta.vocabSize).toBe(true);
        for (let t = 0; t < T - 1; t++) {
          const target = row[t + 1];
          const caption = t + 1 < first - 1 && target !== pad;
          const image = target >= meta.image.offset;
          const want =
            (caption ? meta.maskBits.text : 0) |
            (image ? meta.maskBits.image : 0) |
            (target !== pad ? meta.maskBits.loss : 0);
          expect(s.mask[i * (T - 1) + t], `sequence ${i}, prediction ${t}`).toBe(want);
        }
      }
    }
  });

  it("writes Parquet splits with the .bin files' sequences, a dataset card and nanoGPT's meta.pkl", async (ctx) => {
    const T = ex.meta.sequence.length;
    const first = ex.meta.image.firstPosition;
    const captions = JSON.parse(await readFile(join(out, 'captions.json'), 'utf8')) as {
      train: string[];
      val: string[];
    };
    for (const [split, s, text] of [
      ['train', ex.train, captions.train],
      ['validation', ex.val, captions.val],
    ] as const) {
      const bytes = await readFile(join(out, 'data', `${split}-00000-of-00001.parquet`));
      const rows = (await parquetReadObjects({
        file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      })) as {
        input_ids: number[];
        loss_mask: number[];
        caption: string;
        image_codes: number[];
        concept: number | null;
      }[];
      expect(rows.length, split).toBe(s.ids.length / T);
      rows.forEach((r, i) => {
        expect(r.input_ids, `${split} ${i}`).toEqual(Array.from(s.ids.subarray(i * T, (i + 1) * T)));
        expect(r.loss_mask).toEqual(
          Array.from(s.mask.subarray(i * (T - 1), (i + 1) * (T - 1)), (m) => (m & ex.meta.maskBits.loss ? 1 : 0)),
        );
        expect(r.image_codes).toEqual(
          r.input_ids.slice(first, first + ex.meta.image.tokens).map((id) => id - ex.meta.image.offset),
        );
        expect(r.caption).toBe(text[i]);
        expect(Number.isInteger(r.concept)).toBe(true); // the shipped emoji's concept
      });
    }
    const card = await readFile(join(out, 'README.md'), 'utf8');
    expect(card).toContain(
      'configs:\n  - config_name: default\n    data_files:\n      - split: train\n        path: data/train-00000-of-00001.parquet\n      - split: validation\n        path: data/validation-00000-of-00001.parquet\n',
    );
    expect(card).toContain(`\`meta.pkl\` (\`vocab_size\` ${ex.meta.vocabSize})`);
    // meta.pkl: PROTO 2, EMPTY_DICT, MARK, then X <len> "vocab_size" J <int32> … (pickle.ts)
    const pkl = new Uint8Array(await readFile(join(out, 'meta.pkl')));
    expect(Array.from(pkl.subarray(0, 9))).toEqual([0x80, 0x02, 0x7d, 0x28, 0x58, 10, 0, 0, 0]);
    expect(new TextDecoder().decode(pkl.subarray(9, 19))).toBe('vocab_size');
    expect([pkl[19], new DataView(pkl.buffer, pkl.byteOffset).getInt32(20, true)]).toEqual([0x4a, ex.meta.vocabSize]);
    expect(Array.from(pkl.subarray(-2))).toEqual([0x75, 0x2e]);
    if (pyData.status !== 0) ctx.skip(PY_WHY);
    const script = [
      'import json, pickle, sys',
      'from datasets import load_dataset',
      'ds = load_dataset(sys.argv[1])',
      'meta = pickle.load(open(sys.argv[1] + "/meta.pkl", "rb"))',
      'print(json.dumps({"splits": {k: v.num_rows for k, v in ds.items()}, "columns": ds["train"].column_names, "row": ds["validation"][0], "meta": meta}))',
    ].join('\n');
    const py = await run(PY, ['-c', script, out], {
      env: { ...process.env, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1', HF_DATASETS_CACHE: join(dir, 'hf-cache') },
      maxBuffer: 16 * 2 ** 20,
    });
    const got = JSON.parse(py.stdout.trim().split('\n').pop()!);
    expect(got.splits).toEqual({ train: ex.train.ids.length / T, validation: ex.val.ids.length / T });
    expect(got.columns).toEqual(['input_ids', 'loss_mask', 'caption', 'image_codes', 'concept']);
    expect(got.row.input_ids).toEqual(Array.from(ex.val.ids.subarray(0, T)));
    expect(got.row.caption).toBe(captions.val[0]);
    const { bos, boi, eoi, pad } = ex.meta.special;
    expect(got.meta).toEqual({
      vocab_size: ex.meta.vocabSize,
      sequence_length: T,
      text_vocab: ex.meta.textVocab,
      image_offset: ex.meta.image.offset,
      image_codes: ex.meta.image.count,
      image_tokens: ex.meta.image.tokens,
      bos,
      boi,
      eoi,
      pad,
      dtype: 'uint16',
    });
  });

  it('gives each step a batch of distinct training images and mix windows cut from the Austen stream', () => {
    const [seeds, steps, B] = ex.meta.batches.shape;
    const n = ex.meta.train.sequences;
    expect([seeds, steps, B]).toEqual([2, 6, 4]);
    for (let s = 0; s < seeds; s++) {
      const seen = Array.from(ex.order.subarray(s * steps * B, (s + 1) * steps * B));
      expect(seen.every((i) => i < n)).toBe(true);
      expect(new Set(seen).size).toBe(seen.length); // 6 × 4 < 64: one epoch, no repeats
    }
    expect(Array.from(ex.order.subarray(0, steps * B))).not.toEqual(
      Array.from(ex.order.subarray(steps * B, 2 * steps * B)),
    );
    const [, , nMix, T] = ex.meta.batches.mix!.shape;
    expect(nMix).toBe(1); // round(0.25 × 4)
    const stream = ex.english.train;
    for (let w = 0; w < ex.mix!.length / T; w++) {
      const win = ex.mix!.subarray(w * T, (w + 1) * T);
      let found = -1;
      for (let at = stream.indexOf(win[0]); at >= 0 && found < 0; at = stream.indexOf(win[0], at + 1))
        if (win.every((v, k) => stream[at + k] === v)) found = at;
      expect(found, `mix window ${w}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('loads every initial checkpoint back and reproduces the reference losses from the export files alone', async () => {
    const reference = parseMetricsCsv(await readFile(join(out, 'reference.csv'), 'utf8'));
    const data = exportData(ex);
    const cfg = ex.experiment.config;
    const T = ex.meta.sequence.length;
    const [, steps, B] = ex.meta.batches.shape;
    const want = (arm: string, seed: number, step: number, metric: string) =>
      reference.find((r) => r.arm === arm && r.seed === seed && r.step === step && r.metric === metric)!.value;
    for (const arm of ex.experiment.arms) {
      for (const seed of [0, 1]) {
        const { model, tabula } = await loadGPT2(
          await dirSource(join(out, 'init', `${arm.name}-s${seed}`)),
          `export-test-${arm.name}-${seed}`,
        );
        expect(tabula?.imageTokens).toEqual({ offset: ex.meta.image.offset, count: ex.meta.image.count });
        const spec = sequenceSpec(data, cfg.captionBudget, arm.imageOnly);
        // Step 0 is evaluated for one run of each layout (export.ts): pretrained s0 and image-only-pretrained s0.
        if (seed === 0 && (arm.name === 'pretrained' || arm.name === 'image-only-pretrained')) {
          const r = await evaluateArm(model, data, spec, cfg.evalImages, cfg.englishTokens);
          for (const [metric, v] of evalMetrics(r))
            expect(v, `${arm.name} s${seed} ${metric}`).toBeCloseTo(want(arm.name, seed, 0, metric), 5);
        } else
          // no other run has a step-0 reference; step 1 below checks every run
          expect(reference.filter((r) => r.arm === arm.name && r.seed === seed && r.step === 0)).toEqual([]);
        // Step 1: the first batch, laid out by the rules the Python reader follows (image-only drops the caption; the
        // mix arm's last rows are English windows trained on at every position).
        const idx = Array.from(ex.order.subarray(seed * steps * B, seed * steps * B + B));
        const budget = cfg.captionBudget;
        const rows = idx.map((i) => {
          let ids = Array.from(ex.train.ids.subarray(i * T, (i + 1) * T));
          let mask = Array.from(ex.train.mask.subarray(i * (T - 1), (i + 1) * (T - 1)));
          if (arm.imageOnly)
            [ids, mask] = [
              [ids[0], ...ids.slice(1 + budget)],
              mask.slice(budget).map((m) => m & ~ex.meta.maskBits.text),
            ];
          return { ids, mask };
        });
        if (arm.mix > 0)
          rows[B - 1] = {
            ids: Array.from(ex.mix!.subarray(seed * steps * T, seed * steps * T + T)),
            mask: new Array<number>(T - 1).fill(ex.meta.maskBits.loss),
          };
        const L = rows[0].ids.length;
        const [loss, image] = tf.tidy(() => {
          const nll = model.nll(
            tf.tensor2d(
              rows.flatMap((r) => r.ids),
              [B, L],
              'int32',
            ),
          );
          const m = (bit: number) =>
            maskedMean(
              nll,
              tf.tensor2d(
                rows.flatMap((r) => r.mask.map((v) => (v & bit ? 1 : 0))),
                [B, L - 1],
              ),
            );
          return [m(ex.meta.maskBits.loss), m(ex.meta.maskBits.image)].map((t) => t.dataSync()[0]);
        });
        expect(loss, `${arm.name} s${seed} train/loss`).toBeCloseTo(want(arm.name, seed, 1, METRICS.trainLoss), 5);
        expect(image, `${arm.name} s${seed} train/image_loss`).toBeCloseTo(
          want(arm.name, seed, 1, METRICS.trainImageLoss),
          5,
        );
        model.dispose();
      }
    }
    // The arms of a seed share new rows but not bodies; the pre-trained arms share the LM's body.
    const w = async (name: string, tensor: string) =>
      (await loadGPT2(await dirSource(join(out, 'init', name)), `w-${name}`)).model.params.get(tensor)!.dataSync();
    const body = 'transformer.h.0.attn.c_attn.weight';
    expect(Array.from(await w('pretrained-s0', body))).toEqual(Array.from(await w('pretrained-s1', body)));
    expect(Array.from(await w('scratch-s0', body))).not.toEqual(Array.from(await w('scratch-s1', body)));
  });

  it('refuses a folder that already holds an export, and --train-vq, in one line', async () => {
    for (const [args, msg] of [
      [['--preset', 'smoke', '--out', out], /^export: .*already holds an export/],
      [
        ['--preset', 'smoke', '--out', join(dir, 'other'), '--train-vq'],
        /^export: --train-vq is not exported: train the tokenizer first/,
      ],
    ] as const) {
      const r = await run('node', ['--import', 'tsx', 'src/cli/export.ts', ...args]).catch(
        (e) => e as { code: number; stderr: string },
      );
      expect((r as { code: number }).code).toBe(2);
      expect((r as { stderr: string }).stderr.trim()).toMatch(msg);
    }
  });
});
