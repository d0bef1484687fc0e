// `npm run export` (src/cli/export.ts, src/core/experiment/export.ts) on the smoke preset with four arms: every file
// hashed in meta.json, ids in range and laid out as sequences.ts lays them, masks recomputed from the ids alone, the
// batch order and mix windows as the runner draws them, and every initial checkpoint loading back here and giving
// the reference losses (step 0 evaluation and step 1 training losses) from the export's own files.
import * as tf from '../../src/core/tf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
const ARMS = ['pretrained', 'scratch', 'image-only-pretrained', 'pretrained-mix'];
let dir = '';
let out = '';
let ex: ReadExport;

describe('npm run export -- --preset smoke', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'export-'));
    out = join(dir, 'smoke');
    const r = await run('node', ['--import', 'tsx', 'src/cli/export.ts', '--preset', 'smoke', '--arms', ARMS.join(','), '--seeds', '2', '--margin', '0.07', '--out', out], { maxBuffer: 16 * 2 ** 20 });
    expect(r.stdout).toMatch(/export: \d+ files/);
    ex = readExport(out);
  }, 600_000);
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('records every file with its SHA-256 and the experiment with every config field', async () => {
    for (const [name, hash] of Object.entries(ex.meta.files)) expect(createHash('sha256').update(await readFile(join(out, name))).digest('hex'), name).toBe(hash);
    expect(Object.keys(ex.meta.files)).toEqual(expect.arrayContaining(['train.bin', 'val.mask.bin', 'order.bin', 'mix.bin', 'reference.csv', 'init/pretrained-s1/model.safetensors', 'init/pretrained-mix-s0/tokenizer.json']));
    expect(ex.meta.vocabSize).toBe(ex.meta.image.offset + ex.meta.image.count);
    expect(ex.meta.sequence.length).toBe(ex.meta.sequence.captionBudget + ex.meta.image.tokens + 3);
    const cfg = ex.experiment.config;
    expect(cfg.arms).toEqual(ARMS);
    expect(cfg.seeds).toBe(2);
    expect(ex.experiment.margin).toBe(0.07);
    expect(ex.experiment.arms.find((a) => a.name === 'pretrained-mix')!.mix).toBe(0.25);
    expect(ex.experiment.metrics).toEqual(METRICS);
    for (const key of ['lr', 'lrByArm', 'schedule', 'warmupSteps', 'weightDecay', 'evalEvery', 'evalImages', 'englishTokens', 'rowInit', 'captionLevel', 'captionBudget', 'margin', 'checkpointEvery']) expect(cfg, key).toHaveProperty(key);
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
        for (let t = 1; t < first - 1; t++) expect(row[t] < meta.image.offset && (row[t] === pad || ![bos, boi, eoi].includes(row[t]))).toBe(true);
        for (let t = first; t < first + meta.image.tokens; t++) expect(row[t] >= meta.image.offset && row[t] < meta.vocabSize).toBe(true);
        for (let t = 0; t < T - 1; t++) {
          const target = row[t + 1];
          const caption = t + 1 < first - 1 && target !== pad;
          const image = target >= meta.image.offset;
          const want = (caption ? meta.maskBits.text : 0) | (image ? meta.maskBits.image : 0) | (target !== pad ? meta.maskBits.loss : 0);
          expect(s.mask[i * (T - 1) + t], `sequence ${i}, prediction ${t}`).toBe(want);
        }
      }
    }
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
    expect(Array.from(ex.order.subarray(0, steps * B))).not.toEqual(Array.from(ex.order.subarray(steps * B, 2 * steps * B)));
    const [, , nMix, T] = ex.meta.batches.mix!.shape;
    expect(nMix).toBe(1); // round(0.25 × 4)
    const stream = ex.english.train;
    for (let w = 0; w < ex.mix!.length / T; w++) {
      const win = ex.mix!.subarray(w * T, (w + 1) * T);
      let found = -1;
      for (let at = stream.indexOf(win[0]); at >= 0 && found < 0; at = stream.indexOf(win[0], at + 1)) if (win.every((v, k) => stream[at + k] === v)) found = at;
      expect(found, `mix window ${w}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('loads every initial checkpoint back and reproduces the reference losses from the export files alone', async () => {
    const reference = parseMetricsCsv(await readFile(join(out, 'reference.csv'), 'utf8'));
    const data = exportData(ex);
    const cfg = ex.experiment.config;
    const T = ex.meta.sequence.length;
    const [, steps, B] = ex.meta.batches.shape;
    const want = (arm: string, seed: number, step: number, metric: string) => reference.find((r) => r.arm === arm && r.seed === seed && r.step === step && r.metric === metric)!.value;
    for (const arm of ex.experiment.arms) {
      for (const seed of [0, 1]) {
        const { model, tabula } = await loadGPT2(await dirSource(join(out, 'init', `${arm.name}-s${seed}`)), `export-test-${arm.name}-${seed}`);
        expect(tabula?.imageTokens).toEqual({ offset: ex.meta.image.offset, count: ex.meta.image.count });
        const spec = sequenceSpec(data, cfg.captionBudget, arm.imageOnly);
        const r = await evaluateArm(model, data, spec, cfg.evalImages, cfg.englishTokens);
        for (const [metric, v] of evalMetrics(r)) expect(v, `${arm.name} s${seed} ${metric}`).toBeCloseTo(want(arm.name, seed, 0, metric), 5);
        // Step 1: the first batch, laid out by the rules the Python reader follows (image-only drops the caption; the
        // mix arm's last rows are English windows trained on at every position).
        const idx = Array.from(ex.order.subarray(seed * steps * B, seed * steps * B + B));
        const budget = cfg.captionBudget;
        const rows = idx.map((i) => {
          let ids = Array.from(ex.train.ids.subarray(i * T, (i + 1) * T));
          let mask = Array.from(ex.train.mask.subarray(i * (T - 1), (i + 1) * (T - 1)));
          if (arm.imageOnly) [ids, mask] = [[ids[0], ...ids.slice(1 + budget)], mask.slice(budget).map((m) => m & ~ex.meta.maskBits.text)];
          return { ids, mask };
        });
        if (arm.mix > 0) rows[B - 1] = { ids: Array.from(ex.mix!.subarray(seed * steps * T, seed * steps * T + T)), mask: new Array<number>(T - 1).fill(ex.meta.maskBits.loss) };
        const L = rows[0].ids.length;
        const [loss, image] = tf.tidy(() => {
          const nll = model.nll(tf.tensor2d(rows.flatMap((r) => r.ids), [B, L], 'int32'));
          const m = (bit: number) => maskedMean(nll, tf.tensor2d(rows.flatMap((r) => r.mask.map((v) => (v & bit ? 1 : 0))), [B, L - 1]));
          return [m(ex.meta.maskBits.loss), m(ex.meta.maskBits.image)].map((t) => t.dataSync()[0]);
        });
        expect(loss, `${arm.name} s${seed} train/loss`).toBeCloseTo(want(arm.name, seed, 1, METRICS.trainLoss), 5);
        expect(image, `${arm.name} s${seed} train/image_loss`).toBeCloseTo(want(arm.name, seed, 1, METRICS.trainImageLoss), 5);
        model.dispose();
      }
    }
    // The arms of a seed share new rows but not bodies; the pre-trained arms share the LM's body.
    const w = async (name: string, tensor: string) => (await loadGPT2(await dirSource(join(out, 'init', name)), `w-${name}`)).model.params.get(tensor)!.dataSync();
    const body = 'transformer.h.0.attn.c_attn.weight';
    expect(Array.from(await w('pretrained-s0', body))).toEqual(Array.from(await w('pretrained-s1', body)));
    expect(Array.from(await w('scratch-s0', body))).not.toEqual(Array.from(await w('scratch-s1', body)));
  });

  it('refuses a folder that already holds an export, and --train-vq, in one line', async () => {
    for (const [args, msg] of [
      [['--preset', 'smoke', '--out', out], /^export: .*already holds an export/],
      [['--preset', 'smoke', '--out', join(dir, 'other'), '--train-vq'], /^export: --train-vq is not exported: train the tokenizer first/],
    ] as const) {
      const r = await run('node', ['--import', 'tsx', 'src/cli/export.ts', ...args]).catch((e) => e as { code: number; stderr: string });
      expect((r as { code: number }).code).toBe(2);
      expect((r as { stderr: string }).stderr.trim()).toMatch(msg);
    }
  });
});
