// The held-out split of issue 20, item 3: evaluation over every validation image in a stratified order, the
// selection split apart from it, per-image losses resampled by concept, the count model, the quality baseline.
import { describe, expect, it } from 'vitest';
import { loadEmojiDataset } from '../../src/core/data/emoji';
import { splitIndices } from '../../src/core/data/captions';
import { PRESETS } from '../../src/core/experiment/config';
import { clusterBootstrap, meanBootstrap } from '../../src/core/experiment/bootstrap';
import { CountModel, countModelReference } from '../../src/core/experiment/count-model';
import { majorityShare } from '../../src/core/experiment/extras';
import { conceptBootstrapA, type PerImageLosses } from '../../src/core/experiment/per-image';
import { emojiSplits } from '../../src/core/experiment/prepare';
import { qualitySummary } from '../../src/core/experiment/quality-summary';
import { selectionData, selectionSplit, stratifiedOrder } from '../../src/core/experiment/selection';
import type { ExperimentData } from '../../src/core/experiment/data';
import { buildReport } from '../../src/core/experiment/report';
import { reportHtml } from '../../src/core/experiment/html';
import { readPublicData } from '../../src/cli/data/public-data';
import { recordedCountModel } from '../../src/cli/report-reference';
import { loadVQWithKey, pickCodes, shippedEmojiCodes } from '../../src/core/data/codes';
import { emojiSplitIndices } from '../../src/core/experiment/prepare';
import { dirSource } from '../../src/cli/common';
import { readFileSync } from 'node:fs';
import { baseCaption, baseImage, syntheticRecords } from './helpers/synthetic-run';
import { decodePngNode } from '../../src/cli/image-decode';

describe('the evaluation images', () => {
  it('puts one image of every category first, then each category in proportion, as a permutation', () => {
    const cats = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'c'];
    const order = stratifiedOrder(cats);
    expect([...order].sort((x, y) => x - y)).toEqual([...cats.keys()]);
    expect(order.slice(0, 3).map((i) => cats[i])).toEqual(['a', 'b', 'c']);
    // the rest: a's 5 at keys 0.1, 0.3, 0.5, 0.7, 0.9 and b's one at 0.5 (after a's 0.5, the earlier category)
    expect(order.slice(3)).toEqual([1, 2, 3, 7, 4, 5]);
  });

  it('evaluates every validation image of all nine categories by default, and a capped set still covers them all', async () => {
    const ds = await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji');
    const val = splitIndices(ds.captions.items, 'val');
    for (const preset of ['cpu', 'classroom', 'replication'] as const) expect(PRESETS[preset].evalImages).toBe(0);
    const all = emojiSplits(ds, { ...PRESETS.cpu, trainImages: 1 });
    expect(all.valCount).toBe(val.length);
    expect([...all.indices.val].sort((x, y) => x - y)).toEqual(val);
    const categories = new Set(all.categories!.val);
    expect(categories.size).toBe(9);
    for (const n of [PRESETS.smoke.evalImages, PRESETS.lesson.evalImages]) {
      const capped = emojiSplits(ds, { ...PRESETS.lesson, trainImages: 1, evalImages: n });
      expect(capped.valCount).toBe(n);
      expect(new Set(capped.categories!.val)).toEqual(categories);
    }
  });

  it('sets the selection concepts apart from training, whole, in every category with two or more concepts', async () => {
    const ds = await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji');
    const s = emojiSplits(ds, { ...PRESETS.cpu });
    const { selection, fit } = selectionSplit(s.concepts!.train, s.categories!.train);
    expect(selection.length + fit.length).toBe(s.trainCount);
    const selConcepts = new Set(selection.map((i) => s.concepts!.train[i]));
    const fitConcepts = new Set(fit.map((i) => s.concepts!.train[i]));
    expect([...selConcepts].filter((k) => fitConcepts.has(k))).toEqual([]);
    // apart from the evaluation images: no selection image and no selection concept is in the validation split
    const valIdx = new Set(s.indices.val);
    expect(selection.filter((i) => valIdx.has(s.indices.train[i]))).toEqual([]);
    expect(s.concepts!.val.filter((k) => selConcepts.has(k))).toEqual([]);
    const multi = [...new Set(s.categories!.train)].filter(
      (c) => new Set(s.concepts!.train.filter((_, i) => s.categories!.train[i] === c)).size >= 2,
    );
    expect(new Set(selection.map((i) => s.categories!.train[i]))).toEqual(new Set(multi));
    expect(selConcepts.size / (selConcepts.size + fitConcepts.size)).toBeGreaterThan(0.08);
    expect(selConcepts.size / (selConcepts.size + fitConcepts.size)).toBeLessThan(0.12);
  });

  it('builds the sweep data: train on the fit images, held-out losses on the selection images', () => {
    const P = 2;
    const data = {
      imageTokens: P,
      train: {
        codes: Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3]),
        captions: [[0], [1], [2], [3]],
        text: ['a', 'b', 'c', 'd'],
        count: 4,
      },
    } as unknown as ExperimentData;
    const d = selectionData(data, { concepts: [7, 7, 8, 9], categories: null }, 0.5);
    // concepts in order 7, 8, 9; stride 2 from position 1: concept 8
    expect(Array.from(d.val.codes)).toEqual([2, 2]);
    expect(d.val.text).toEqual(['c']);
    expect(Array.from(d.train.codes)).toEqual([0, 0, 1, 1, 3, 3]);
    expect(d.train.count + d.val.count).toBe(4);
    expect(() => selectionData(data, { concepts: [1, 1, 1, 1], categories: null })).toThrow(/two or more concepts/);
  });
});

describe('bootstrap intervals', () => {
  it('resamples clusters: two concepts at 0 and 1 give replicates 0, ½, 1 with chances ¼, ½, ¼', () => {
    const b = clusterBootstrap([0, 1], [10, 20], { replicates: 4000, seed: 3 });
    expect(b.mean).toBe(0.5);
    expect(b.ci95).toEqual([0, 1]);
    // sd of the mean of 2 draws from {0, 1}: √(¼ / 2) = 0.3536
    expect(b.se!).toBeCloseTo(Math.sqrt(0.25 / 2), 1);
    expect(Math.abs(b.se! - 0.35355)).toBeLessThan(0.015);
  });

  it('weights a concept by its images and resamples it whole', () => {
    // concept 1 has three images at 0, concept 2 one at 4: replicates (both 1) 0, (1,2) 1, (2,2) 4
    const b = clusterBootstrap([0, 0, 0, 4], [1, 1, 1, 2], { replicates: 4000, seed: 5 });
    expect(b.mean).toBe(1);
    expect(b.ci95).toEqual([0, 4]);
    expect(b.clusters).toBe(2);
    const same = clusterBootstrap([0.2, 0.2, 0.2], [1, 2, 3]);
    for (const end of same.ci95!) expect(end).toBeCloseTo(0.2, 12);
    expect(clusterBootstrap([1, 2], [1, 1]).ci95).toBeNull();
    expect(() => clusterBootstrap([1, NaN], [1, 2])).toThrow(/value 1 is NaN/);
  });

  it("keeps the Fréchet distance's interval inside the seeds' values, never below zero", () => {
    const fd = [0.05, 0.4, 2.9];
    const b = meanBootstrap(fd);
    expect(b.ci95![0]).toBeGreaterThanOrEqual(0.05);
    expect(b.ci95![1]).toBeLessThanOrEqual(2.9);
    const perSeed = {
      pretrained: fd.map((frechet, seed) => ({ seed, accuracy: 0.5, frechet })),
      scratch: fd.map((frechet, seed) => ({ seed, accuracy: 0.4, frechet })),
    };
    const q = qualitySummary(
      { classes: ['a', 'b'], classifierValAccuracy: 0.9, samples: 8, majorityBaseline: 0.75, perArm: {}, perSeed },
      [],
    )!;
    expect(q.byArm.pretrained.frechet.ci95![0]).toBeGreaterThanOrEqual(0);
    expect(q.majorityBaseline).toBe(0.75);
    expect(q.sentence).toMatch(/always naming their most common category scores 75\.0%/);
    expect(majorityShare(['x', 'y', 'x', 'x'])).toBe(0.75);
  });

  it('A by concept: per image, pretrained − scratch averaged over the paired seeds, resampled by concept', () => {
    const p: PerImageLosses = {
      concepts: [1, 1, 2],
      categories: null,
      runs: [
        { arm: 'pretrained', seed: 0, step: 6, losses: [1, 1, 3] },
        { arm: 'scratch', seed: 0, step: 6, losses: [1, 1, 1] },
        { arm: 'pretrained', seed: 1, step: 6, losses: [2, 2, 3] },
        { arm: 'scratch', seed: 1, step: 6, losses: [2, 2, 1] },
        { arm: 'pretrained', seed: 2, step: 6, losses: [9, 9, 9] }, // no scratch seed 2: left out
      ],
    };
    const c = conceptBootstrapA(p)!;
    // differences per image: 0, 0, 2 → mean 2/3; replicates (1,1) 0, (1,2) 2/3, (2,2) 2
    expect(c.seeds).toEqual([0, 1]);
    expect(c.mean).toBeCloseTo(2 / 3, 12);
    expect(c.ci95).toEqual([0, 2]);
    expect(conceptBootstrapA(undefined)).toBeNull();
  });
});

describe('the count model (position, left, up) with one back-off', () => {
  it('matches the hand-computed probabilities on a one-position grid', () => {
    // K = 2, three 1×1 images 0, 0, 1: P(x|p) = (n+1)/(3+2) → 0.6, 0.4; the context (p, K, K) seen 3 times, 2 types
    const m = new CountModel(1, 2, [0, 0, 1]);
    expect(m.backoff(0, 0)).toBeCloseTo(0.6, 15);
    expect(m.prob([0], 0, 0)).toBeCloseTo((2 - 0.75) / 3 + ((0.75 * 2) / 3) * 0.6, 15);
    expect(m.prob([1], 0, 0)).toBeCloseTo((1 - 0.75) / 3 + ((0.75 * 2) / 3) * 0.4, 15);
    expect(m.prob([0], 0, 0) + m.prob([1], 0, 0)).toBeCloseTo(1, 15);
    expect(m.meanNll([0, 1])).toBeCloseTo(-(Math.log(0.3 + 1.25 / 3) + Math.log(0.2 + 0.25 / 3)) / 2, 12);
  });

  it('conditions on the left and upper codes on a 2×2 grid and backs off for an unseen context', () => {
    // one training image [0 1; 1 0], K = 2
    const m = new CountModel(2, 2, [0, 1, 1, 0]);
    // position 3: left 1, up 1, seen once with code 0: (1 − ¾)/1 + ¾·1/1 · P(0|3) = ¼ + ¾ · (1+1)/(1+2)
    expect(m.prob([0, 1, 1, 0], 0, 3)).toBeCloseTo(0.25 + 0.75 * (2 / 3), 15);
    // position 3 with left 0, up 0 was never seen: the back-off P(1|3) = (0+1)/(1+2)
    expect(m.prob([1, 0, 0, 1], 0, 3)).toBeCloseTo(1 / 3, 15);
    const ref = countModelReference(2, 2, [0, 1, 1, 0], [0, 1, 1, 0, 1, 0, 0, 1]);
    expect(ref.evalImages).toBe(2);
    expect(() => new CountModel(2, 2, [0, 1, 2, 0])).toThrow(/code 2 at 2 is outside \[0, 2\)/);
  });
});

describe('the report over the held-out split', () => {
  it('shows A by concept, the count model beside the image loss, and says the evaluation set is stratified', () => {
    const english = () => 4.2;
    const records = syntheticRecords({
      seeds: 2,
      steps: 30,
      evalEvery: 15,
      tokensPerStep: 1000,
      noise: 0.01,
      arms: {
        pretrained: { image: baseImage, caption: baseCaption, english },
        scratch: { image: baseImage, caption: baseCaption, english },
      },
    });
    const perImage: PerImageLosses = {
      concepts: [1, 2],
      categories: ['a', 'b'],
      runs: [0, 1].flatMap((seed) => [
        { arm: 'pretrained', seed, step: 30, losses: [4, 5] },
        { arm: 'scratch', seed, step: 30, losses: [4, 4] },
      ]),
    };
    const r = buildReport({ ...PRESETS.lesson, seeds: 2, steps: 30 }, records, {
      valImages: 96,
      perImage,
      countModel: { nats: 4.137, trainImages: 10, evalImages: 2, discount: 0.75 },
      evalOrder: 'stratified',
    });
    expect(r.conceptA!.mean).toBeCloseTo(0.5, 12);
    expect(r.conceptA!.ci95).toEqual([0, 1]);
    expect(r.caveats[1]).toBe(
      'Evaluation set: held-out losses on a stratified 96 of the validation images, every category in proportion (selection.ts), not all of them (96 images evaluated).',
    );
    const html = reportHtml(r, records);
    expect(html).toContain('count model (position, left, up): 4.137');
    expect(html).toMatch(
      /Resampled by concept: pretrained − scratch final held-out image loss \+0\.500 nats \(95% bootstrap interval \+0\.000 to \+1\.000, 2 concepts, 2 images/,
    );
    expect(html).not.toContain('"perImage"'); // kept in report.json, not printed in the page's configuration
  });
});

describe("npm run report's count model for a recorded run", () => {
  it('scores the images the run evaluated: the first 96 in atlas order before the stratified order, else stratified', async () => {
    // The Austen-LM run of 3 seeds evaluated the first 96 validation images in atlas order (before the stratified order).
    const recorded = JSON.parse(readFileSync('public/runs/cpu-austen/report.json', 'utf8'));
    const { countModel: _kept, ...meta } = recorded.meta;
    const atlas = (await recordedCountModel(recorded.config, meta)).ref!;
    const stratified = (await recordedCountModel(recorded.config, { ...meta, evalOrder: 'stratified' })).ref!;
    const { key } = await loadVQWithKey(await dirSource('public/models/vq-twemoji32'));
    const table = (await shippedEmojiCodes(readPublicData, 'twemoji', key, 512)).codes!;
    const items = (await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji')).captions.items;
    const val = splitIndices(items, 'val').slice(0, 96);
    const direct = countModelReference(
      8,
      512,
      pickCodes(table, splitIndices(items, 'train'), 64),
      pickCodes(table, val, 64),
    );
    expect(atlas.nats).toBeCloseTo(direct.nats, 12);
    expect(atlas.evalImages).toBe(96);
    expect(emojiSplitIndices(items, recorded.config, 'atlas').val).toEqual(val);
    expect(Math.abs(stratified.nats - atlas.nats)).toBeGreaterThan(0.01);
    expect(await recordedCountModel(recorded.config, { ...meta, dataset: 'shapes' })).toEqual({
      ref: null,
      why: 'the count model is computed for the shipped Twemoji only (this run: shapes)',
    });
  });
});
