// The weight-scale control arm, pretrained-shuffled (extend.ts shuffledPretrained): every tensor of the LM keeps its
// multiset of values under a seeded permutation that is not the identity, the new rows are the pre-trained arm's,
// the LM is left untouched, and the arm trains beside pretrained and scratch in the smoke setup with the report
// judging it against both; and its frozen twin, pretrained-shuffled-frozen (issue 26 (c): is a frozen pre-trained body's
// help knowledge or scale?), starts from the same shuffled weights, trains only what a frozen arm trains, and is
// judged against scratch-frozen and pretrained-frozen.
import { describe, expect, it } from 'vitest';
import { GPT } from '../../src/core/nn/gpt';
import { Rng } from '../../src/core/nn/init';
import {
  ARM_PAIRS,
  PRESETS,
  armSpec,
  trainableInFrozenArm,
  type ExperimentConfig,
} from '../../src/core/experiment/config';
import {
  extendPretrained,
  newRows,
  permuted,
  planVocab,
  shuffleSeed,
  shuffledPretrained,
} from '../../src/core/experiment/extend';
import { ExperimentRunner } from '../../src/core/experiment/runner';
import { buildReport } from '../../src/core/experiment/report';
import type { ExperimentData } from '../../src/core/experiment/data';
import { METRICS } from '../../src/core/metrics';
import { useBackend } from './helpers/tf';

const sorted = (xs: ArrayLike<number>) => Float32Array.from(xs).sort();
const lmConfig = {
  vocabSize: 20,
  nPositions: 16,
  nEmbd: 8,
  nLayer: 1,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.2,
};
const plan = planVocab(
  20,
  new Map([
    ['<|bos|>', 16],
    ['<|boi|>', 17],
    ['<|eoi|>', 18],
    ['<|pad|>', 19],
  ]),
  8,
);

function syntheticData(): ExperimentData {
  const rng = new Rng(1);
  const split = (n: number) => ({
    codes: Int32Array.from({ length: n * 4 }, () => rng.int(8)),
    captions: Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(4) }, () => rng.int(16))),
    text: Array.from({ length: n }, (_, i) => `caption ${i}`),
    count: n,
  });
  const stream = (n: number) => Array.from({ length: n }, () => rng.int(16));
  return {
    plan,
    imageTokens: 4,
    train: split(24),
    val: split(6),
    english: { train: Int32Array.from(stream(400)), heldout: stream(60), ood: stream(60) },
  };
}

describe('pretrained-shuffled', () => {
  it('a seeded permutation: same multiset, not the identity, reproducible, different per seed', () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => i * 0.5 - 7);
    const p = permuted(x, 3);
    expect(sorted(p)).toEqual(sorted(x));
    expect(Array.from(p)).not.toEqual(Array.from(x));
    expect(Array.from(permuted(x, 3))).toEqual(Array.from(p));
    expect(Array.from(permuted(x, 4))).not.toEqual(Array.from(p));
    expect(shuffleSeed(0, 'a')).not.toBe(shuffleSeed(0, 'b'));
  });

  it('keeps each tensor’s multiset of values, moves them, keeps the pre-trained arm’s new rows and leaves the LM as it was', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmConfig, 5, 'sh-lm1');
    const before = new Map([...lm.params].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
    const rows = newRows(before.get('transformer.wte.weight')!, 20, 8, plan.vocabSize - 20, 'random', 0);
    const pre = extendPretrained(lm, plan, rows, 'sh-pre');
    const shuf = shuffledPretrained(lm, plan, rows, 0, 'sh-shuf');
    const other = shuffledPretrained(lm, plan, rows, 1, 'sh-shuf1');
    expect(lm.params.size).toBeGreaterThan(5);
    for (const [name, v] of lm.params) {
      const orig = before.get(name)!;
      expect(Array.from(v.dataSync())).toEqual(Array.from(orig)); // untouched
      const got = shuf.params.get(name)!.dataSync() as Float32Array;
      const own = got.subarray(0, orig.length);
      expect(sorted(own)).toEqual(sorted(orig));
      // Not the identity: unless the tensor is constant (a LayerNorm gain at its init of ones), values moved.
      if (new Set(orig).size > 1) expect(Array.from(own)).not.toEqual(Array.from(orig));
      if (new Set(orig).size > 1)
        expect(Array.from(other.params.get(name)!.dataSync().subarray(0, orig.length))).not.toEqual(Array.from(own));
    }
    const wte = (m: GPT) =>
      Array.from(
        m.params
          .get('transformer.wte.weight')!
          .dataSync()
          .subarray(20 * 8),
      );
    expect(wte(shuf)).toEqual(wte(pre)); // the image-code rows are the pre-trained arm's, bit for bit
    for (const m of [lm, pre, shuf, other]) m.dispose();
  });

  it('trains in the smoke setup beside pretrained and scratch, and the report judges it against both', async () => {
    await useBackend('cpu');
    expect(armSpec('pretrained-shuffled', 0.25)).toEqual({
      name: 'pretrained-shuffled',
      init: 'pretrained',
      frozen: false,
      imageOnly: false,
      mix: 0,
      shuffled: true,
    });
    expect(ARM_PAIRS).toContainEqual(['pretrained-shuffled', 'scratch']);
    expect(ARM_PAIRS).toContainEqual(['pretrained', 'pretrained-shuffled']);
    const lm = new GPT(lmConfig, 5, 'sh-lm2');
    const cfg: ExperimentConfig = {
      ...PRESETS.smoke,
      seeds: 2,
      arms: ['pretrained', 'scratch', 'pretrained-shuffled'],
      captionBudget: 4,
      batchSize: 4,
      evalImages: 6,
      englishTokens: 40,
    };
    const runner = new ExperimentRunner(cfg, syntheticData(), lm);
    const records = await runner.runAll();
    expect(runner.runs.every((r) => r.step === cfg.steps && r.stopped === null)).toBe(true);
    const last = (arm: string) =>
      records.filter(
        (r) => r.arm === arm && r.seed === 0 && r.metric === METRICS.valImageLoss && r.step === cfg.steps,
      )[0].value;
    expect(Number.isFinite(last('pretrained-shuffled'))).toBe(true);
    expect(last('pretrained-shuffled')).not.toBe(last('pretrained'));
    const report = buildReport(cfg, records);
    expect(Object.keys(report.otherArms.image_loss)).toEqual([
      'pretrained-shuffled vs scratch',
      'pretrained vs pretrained-shuffled',
    ]);
    expect(report.otherArms.forgetting['pretrained-shuffled']).toBeUndefined(); // it knows no English to forget
    runner.dispose();
    lm.dispose();
  });
  it('pretrained-shuffled-frozen: the shuffled weights of its seed, only the frozen arm’s parameters move, judged against scratch-frozen and pretrained-frozen', async () => {
    await useBackend('cpu');
    expect(armSpec('pretrained-shuffled-frozen', 0.25)).toEqual({
      name: 'pretrained-shuffled-frozen',
      init: 'pretrained',
      frozen: true,
      imageOnly: false,
      mix: 0,
      shuffled: true,
    });
    expect(ARM_PAIRS).toContainEqual(['pretrained-shuffled-frozen', 'scratch-frozen']);
    expect(ARM_PAIRS).toContainEqual(['pretrained-frozen', 'pretrained-shuffled-frozen']);
    const lm = new GPT(lmConfig, 5, 'sh-lm3');
    const cfg: ExperimentConfig = {
      ...PRESETS.smoke,
      seeds: 1,
      arms: [
        'pretrained',
        'scratch',
        'pretrained-frozen',
        'scratch-frozen',
        'pretrained-shuffled',
        'pretrained-shuffled-frozen',
      ],
      captionBudget: 4,
      batchSize: 4,
      evalImages: 6,
      englishTokens: 40,
    };
    const runner = new ExperimentRunner(cfg, syntheticData(), lm);
    const records = await runner.runAll();
    const run = (arm: string) => runner.runs.find((r) => r.arm.name === arm)!;
    const [shuf, frozen] = [run('pretrained-shuffled'), run('pretrained-shuffled-frozen')];
    let moved = 0;
    for (const [name, v] of frozen.model.params) {
      // Both start from the same permutation of the LM (same seed, same new rows).
      expect(Array.from(frozen.initial.get(name)!), name).toEqual(Array.from(shuf.initial.get(name)!));
      const changed = Array.from(v.dataSync()).some((x, i) => x !== frozen.initial.get(name)![i]);
      if (!trainableInFrozenArm(name)) expect(changed, name).toBe(false);
      else if (changed) moved++;
    }
    expect(moved).toBeGreaterThan(0);
    const report = buildReport(cfg, records);
    expect(Object.keys(report.otherArms.image_loss)).toEqual(
      expect.arrayContaining([
        'pretrained-shuffled-frozen vs scratch-frozen',
        'pretrained-frozen vs pretrained-shuffled-frozen',
      ]),
    );
    expect(report.otherArms.forgetting['pretrained-shuffled-frozen']).toBeUndefined();
    expect(report.otherArms.forgetting['pretrained-frozen']).toBeDefined();
    runner.dispose();
    lm.dispose();
  });
});
