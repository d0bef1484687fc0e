// What Play no longer does before the first step: the shipped emoji's VQ codes are exactly the shipped tokenizer's
// codes and belong to it alone (its key changes with any weight); preparing with a code table gives the same data as
// encoding; the held-out English is tokenized only as far as it is read, identically; the step-0 evaluation of
// snapshots taken before the first round equals the evaluation before it; trainTokenizer's schedule and stop.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '../../src/core/tf';
import { loadGPT2 } from '../../src/core/checkpoint/gpt2';
import { checkpointTokenizer } from '../../src/core/checkpoint/tokenizer';
import {
  decodeCodeTable,
  encodeCodeTable,
  loadVQWithKey,
  pickCodes,
  shippedEmojiCodes,
  vqKey,
} from '../../src/core/data/codes';
import { tokenStream } from '../../src/core/data/corpus';
import { loadEmojiDataset } from '../../src/core/data/emoji';
import { DeviceImages } from '../../src/core/data/images';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import { encodeImages } from '../../src/core/experiment/data';
import {
  byodSplits,
  emojiSplits,
  encodeCodeTable as encodeDatasetCodes,
  prepareExperiment,
} from '../../src/core/experiment/prepare';
import { ExperimentRunner, type MetricRecord } from '../../src/core/experiment/runner';
import { StepZero } from '../../src/core/experiment/step-zero';
import { DEFAULT_VQ_CONFIG } from '../../src/core/nn/vqvae';
import { byodTokenizerSteps, tokenizerSchedule, trainTokenizer } from '../../src/core/vq/train-tokenizer';
import { dirSource } from '../../src/cli/common';
import { readPublicData } from '../../src/cli/data/public-data';
import { decodePngNode } from '../../src/cli/image-decode';
import type { ByodDataset } from '../../src/core/data/byod';
import { useBackend } from './helpers/tf';

const VQ_DIR = 'public/models/vq-twemoji32';
const LM_DIR = 'public/models/lm-austen';

describe('pre-computed VQ codes', () => {
  it('round-trip the binary layout and refuse wrong sizes and codes outside the codebook, naming the file', () => {
    const codes = Int32Array.from([0, 1, 511, 65535, 7, 8, 9, 10]);
    const bytes = encodeCodeTable(codes);
    expect(Array.from(bytes.slice(0, 8))).toEqual([0, 0, 1, 0, 0xff, 0x01, 0xff, 0xff]);
    expect(Array.from(decodeCodeTable(bytes, 2, 2, 65536, 'x.bin'))).toEqual(Array.from(codes));
    expect(() => decodeCodeTable(bytes, 3, 2, 65536, 'x.bin')).toThrow(
      /x\.bin: 16 bytes, but 3 images of 2×2 codes need 24/,
    );
    expect(() => decodeCodeTable(bytes, 2, 2, 512, 'x.bin')).toThrow(
      /x\.bin: code 65535 at image 0 is outside the codebook of 512/,
    );
    expect(() => encodeCodeTable(Int32Array.from([70000]))).toThrow(/does not fit/);
    expect(Array.from(pickCodes(codes, [1, 0], 4))).toEqual([7, 8, 9, 10, 0, 1, 511, 65535]);
    expect(() => pickCodes(codes, [2], 4)).toThrow(/outside a code table of 2 images/);
  });

  it('key a tokenizer by its weights and architecture, not its provenance', async () => {
    const w = new Uint8Array([1, 2, 3, 4]);
    const k = await vqKey(w, DEFAULT_VQ_CONFIG);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(await vqKey(new Uint8Array([1, 2, 3, 5]), DEFAULT_VQ_CONFIG)).not.toBe(k);
    expect(await vqKey(w, { ...DEFAULT_VQ_CONFIG, codebookSize: 256 })).not.toBe(k);
    expect(
      await vqKey(w, Object.fromEntries(Object.entries(DEFAULT_VQ_CONFIG).reverse()) as typeof DEFAULT_VQ_CONFIG),
    ).toBe(k);
  });

  it('the shipped emoji codes are the shipped tokenizer’s codes, and only its', async () => {
    await useBackend('wasm');
    const { model: vq, key } = await loadVQWithKey(await dirSource(VQ_DIR), 'codes-test-vq');
    expect(key).toBe(await vqKey(new Uint8Array(readFileSync(`${VQ_DIR}/model.safetensors`)), vq.config));
    for (const style of ['twemoji', 'noto'] as const) {
      const shipped = await shippedEmojiCodes(readPublicData, style, key, vq.config.codebookSize);
      if (!shipped.codes) throw new Error(shipped.why);
      const ds = await loadEmojiDataset(readPublicData, decodePngNode, style);
      const n = ds.captions.items.length;
      expect(shipped.codes.length).toBe(n * 64);
      // A spread of images, encoded now, must match the shipped table row for row.
      const idx = Array.from({ length: 48 }, (_, k) => Math.floor((k * n) / 48));
      const imgs = new DeviceImages(ds.pixels(idx), idx.length, ds.meta.cell);
      const now = await encodeImages(vq, imgs);
      imgs.dispose();
      expect(Array.from(now)).toEqual(Array.from(pickCodes(shipped.codes, idx, 64)));
    }
    const other = await shippedEmojiCodes(
      readPublicData,
      'twemoji',
      key.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      vq.config.codebookSize,
    );
    expect(other.codes).toBeNull();
    expect('why' in other && other.why).toMatch(/belong to another VQ tokenizer.*run npm run build-data/);
    vq.dispose();
  });
});

describe('preparing an experiment', () => {
  it('gives the same data with the shipped code table as by encoding, and reads only the English it evaluates', async () => {
    await useBackend('wasm');
    const src = await dirSource(LM_DIR);
    const { model: lm } = await loadGPT2(src, 'prep-lm');
    const tokenizer = await checkpointTokenizer(src);
    const { model: vq, key } = await loadVQWithKey(await dirSource(VQ_DIR), 'prep-vq');
    const cfg: ExperimentConfig = { ...PRESETS.smoke, trainImages: 40, evalImages: 12, englishTokens: 300 };
    const images = emojiSplits(await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji'), cfg);
    const shipped = await shippedEmojiCodes(readPublicData, 'twemoji', key, 512);
    const a = await prepareExperiment(cfg, images, lm, tokenizer, vq, readPublicData, () => {}, {
      codes: shipped.codes,
    });
    const b = await prepareExperiment(cfg, images, lm, tokenizer, vq, readPublicData);
    expect(Array.from(a.data.train.codes)).toEqual(Array.from(b.data.train.codes));
    expect(Array.from(a.data.val.codes)).toEqual(Array.from(b.data.val.codes));
    expect(a.data.train.captions).toEqual(b.data.train.captions);
    // Held-out English: exactly the first englishTokens ids of the whole text's stream.
    const whole = tokenStream(tokenizer, new TextDecoder().decode(await readPublicData('text/austen/persuasion.txt')));
    expect(a.data.english.heldout).toEqual(Array.from(whole.subarray(0, 300)));
    expect(a.data.english.ood).toHaveLength(300);
    // The pre-training stream is tokenized on first read, whole, and only once.
    const train = a.data.english.train;
    expect(train.length).toBeGreaterThan(900_000);
    expect(a.data.english.train).toBe(train);
    await expect(
      prepareExperiment(cfg, images, lm, tokenizer, vq, readPublicData, () => {}, { codes: new Int32Array(64) }),
    ).rejects.toThrow(/code table holds 1 images but the dataset has 3786/);
    lm.dispose();
    vq.dispose();
  });

  it('encodes a bring-your-own dataset’s code table in its own image order', async () => {
    await useBackend('wasm');
    const { model: vq } = await loadVQWithKey(await dirSource(VQ_DIR), 'byod-vq');
    const ds = await loadEmojiDataset(readPublicData, decodePngNode, 'noto');
    const picked = [5, 900, 17, 2500, 33, 1200, 64, 3000, 8, 10, 11, 12];
    const cell = (i: number) => {
      const px = ds.pixels([i]);
      const data = new Uint8Array(32 * 32 * 4);
      for (let p = 0; p < 1024; p++) {
        for (let c = 0; c < 3; c++) data[4 * p + c] = Math.round(255 * px[3 * p + c]);
        data[4 * p + 3] = 255;
      }
      return { width: 32, height: 32, data };
    };
    const byod = {
      name: 'twelve',
      images: picked.map((i, k) => ({ file: `${k}.png`, captions: [`image ${k}`], image: cell(i) })),
      problems: [],
      corpora: [],
      refused: null,
    } as unknown as ByodDataset;
    const splits = byodSplits(byod);
    expect(splits.indices.val.length + splits.indices.train.length).toBe(12);
    const table = await encodeDatasetCodes(vq, splits);
    const imgs = new DeviceImages(
      Float32Array.from(
        byod.images.flatMap((im) =>
          Array.from(im.image.data)
            .filter((_, j) => j % 4 !== 3)
            .map((v) => v / 255),
        ),
      ),
      12,
      32,
    );
    expect(Array.from(table)).toEqual(Array.from(await encodeImages(vq, imgs)));
    imgs.dispose();
    vq.dispose();
  });
});

describe('step 0 after the first round', () => {
  it('evaluates snapshots taken before the first step exactly as the evaluation before it', async () => {
    await useBackend('wasm');
    const src = await dirSource(LM_DIR);
    const { model: lm } = await loadGPT2(src, 'zero-lm');
    const tokenizer = await checkpointTokenizer(src);
    const { model: vq, key } = await loadVQWithKey(await dirSource(VQ_DIR), 'zero-vq');
    const cfg: ExperimentConfig = { ...PRESETS.smoke, trainImages: 16, evalImages: 4, englishTokens: 64, batchSize: 2 };
    const images = emojiSplits(await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji'), cfg);
    const { data } = await prepareExperiment(cfg, images, lm, tokenizer, vq, readPublicData, () => {}, {
      codes: (await shippedEmojiCodes(readPublicData, 'twemoji', key, 512)).codes,
    });
    const before = new ExperimentRunner(cfg, data, lm);
    const expected = await before.evalFresh();
    before.dispose();

    const runner = new ExperimentRunner(cfg, data, lm);
    const zero = StepZero.take(runner);
    expect(zero.pending).toBe(true);
    expect(zero.models.size).toBe(runner.runs.length);
    const trained = await runner.stepRound();
    expect(trained.some((r) => r.step === 1)).toBe(true);
    const tensors = tf.memory().numTensors;
    const got = await zero.evaluate(runner);
    expect(tf.memory().numTensors).toBe(tensors);
    const timeless = (rs: MetricRecord[]) => rs.map(({ wallTime: _, ...r }) => r);
    expect(timeless(got)).toEqual(timeless(expected)); // same arms, seeds, step 0, 0 tokens, metrics and values
    expect(got.every((r) => r.wallTime! >= expected[0].wallTime!)).toBe(true); // each stamped when it was computed
    for (const run of runner.runs) expect(run.lastEval).not.toBeNull();
    const live = tf.memory().numTensors;
    zero.dispose();
    expect(tf.memory().numTensors).toBeLessThan(live);
    // A run that has stepped is not snapshotted again.
    expect(StepZero.take(runner).pending).toBe(false);
    runner.dispose();
    lm.dispose();
    vq.dispose();
  });
});

describe('trainTokenizer', () => {
  it('caps warm-up at a tenth of the steps, k-means at the images there are, and stops when asked', async () => {
    expect(tokenizerSchedule({ steps: 2500 }, 3365)).toMatchObject({
      steps: 2500,
      warmupSteps: 100,
      kmeansImages: 512,
      batchSize: 32,
    });
    expect(tokenizerSchedule({ steps: 200, kmeansImages: 256 }, 90)).toMatchObject({
      warmupSteps: 20,
      kmeansImages: 90,
    });
    expect(byodTokenizerSteps(12)).toBe(150);
    expect(byodTokenizerSteps(100_000)).toBe(2500);
    await useBackend('wasm');
    const ds = await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji');
    const imgs = new DeviceImages(ds.pixels([...Array(24).keys()]), 24, 32);
    const seen: number[] = [];
    const read: number[] = [];
    const config = { ...DEFAULT_VQ_CONFIG, channels: 8, codeDim: 8, codebookSize: 16, resBlocks: 1 };
    const r = await trainTokenizer(config, imgs, {
      train: { steps: 10, batchSize: 8 },
      readEvery: 3,
      stop: () => seen.length >= 7,
      onStep: (_, p) => {
        seen.push(p.step);
        if (p.losses) read.push(p.step);
      },
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(read).toEqual([3, 6]);
    expect(r.steps).toBe(7);
    expect(r.schedule).toMatchObject({ steps: 10, warmupSteps: 1, kmeansImages: 24 });
    r.model.dispose();
    imgs.dispose();
  });
});
