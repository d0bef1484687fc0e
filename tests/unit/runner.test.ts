// The experiment runner on synthetic data: identical batches across the arms of a seed, the loss split, frozen
// weights staying frozen, NaN stopping a run by name, and resume continuing exactly as an uninterrupted run.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { GPT } from '../../src/core/nn/gpt';
import { Rng } from '../../src/core/nn/init';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import { planVocab } from '../../src/core/experiment/extend';
import { ExperimentRunner } from '../../src/core/experiment/runner';
import { restoreRun, saveRun } from '../../src/core/experiment/resume';
import type { ExperimentData } from '../../src/core/experiment/data';
import { buildBatch } from '../../src/core/data/sequences';
import { METRICS } from '../../src/core/metrics';
import { useBackend } from './helpers/tf';

const P = 4; // a 2×2 image grid keeps sequences short
function syntheticData(): ExperimentData {
  const rng = new Rng(1);
  const plan = planVocab(20, new Map([['<|bos|>', 16], ['<|boi|>', 17], ['<|eoi|>', 18], ['<|pad|>', 19]]), 8);
  const split = (n: number) => ({
    codes: Int32Array.from({ length: n * P }, () => rng.int(8)),
    captions: Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(4) }, () => rng.int(16))),
    text: Array.from({ length: n }, (_, i) => `caption ${i}`),
    count: n,
  });
  const stream = (n: number) => Array.from({ length: n }, () => rng.int(16));
  return { plan, imageTokens: P, train: split(24), val: split(6), english: { train: Int32Array.from(stream(400)), heldout: stream(60), ood: stream(60) } };
}
const lmConfig = { vocabSize: 20, nPositions: 16, nEmbd: 8, nLayer: 1, nHead: 2, layerNormEps: 1e-5, tieEmbeddings: true, initStd: 0.2 };
const cfg: ExperimentConfig = { ...PRESETS.smoke, captionBudget: 4, batchSize: 4, steps: 4, evalEvery: 2, evalImages: 6, englishTokens: 40, warmupSteps: 1 };

describe('experiment runner', () => {
  it('feeds the arms of a seed identical batches, different seeds different ones', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmConfig, 5, 'r-lm1');
    const runner = new ExperimentRunner({ ...cfg, seeds: 2, arms: ['pretrained', 'scratch'] }, syntheticData(), lm);
    const [p0, s0, p1] = runner.runs;
    for (let k = 0; k < 3; k++) {
      const a = runner.nextBatch(p0);
      const b = runner.nextBatch(s0);
      const c = runner.nextBatch(p1);
      expect(Array.from(b.batch.ids)).toEqual(Array.from(a.batch.ids));
      expect(c.idx).not.toEqual(a.idx);
    }
    // Both arms start from the same new image rows.
    const wte = (i: number) => Array.from(runner.runs[i].model.params.get('transformer.wte.weight')!.dataSync().slice(20 * 8));
    expect(wte(1)).toEqual(wte(0));
    runner.dispose();
    lm.dispose();
  });

  it('splits the loss exactly: total = (n_text·text + n_image·image + Σ structural) / n_loss', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmConfig, 5, 'r-lm2');
    const data = syntheticData();
    const runner = new ExperimentRunner(cfg, data, lm);
    const run = runner.runs[0];
    const b = buildBatch(run.spec, data.train.captions.slice(0, 4), [0, 1, 2, 3].map((i) => Array.from(data.train.codes.subarray(i * P, (i + 1) * P))));
    const nll = Array.from(run.model.nll(tf.tensor2d(b.ids, [b.B, b.T], 'int32')).dataSync());
    const sum = (m: Float32Array) => nll.reduce((s, v, i) => s + v * m[i], 0);
    const n = (m: Float32Array) => m.reduce((a, v) => a + v, 0);
    const structural = b.loss.map((v, i) => v * (1 - b.text[i] - b.image[i]));
    const text = sum(b.text) / n(b.text);
    const image = sum(b.image) / n(b.image);
    const total = sum(b.loss) / n(b.loss);
    expect(n(structural)).toBe(2 * b.B); // <|boi|> and <|eoi|> in each row
    expect(total).toBeCloseTo((n(b.text) * text + n(b.image) * image + sum(structural)) / n(b.loss), 10);
    const rec = await runner.stepRun(run);
    const m = Object.fromEntries(rec.map((r) => [r.metric, r.value]));
    expect(Object.keys(m)).toEqual(expect.arrayContaining([METRICS.trainLoss, METRICS.trainTextLoss, METRICS.trainImageLoss, METRICS.gradNorm, METRICS.lr, METRICS.tokensPerSecond]));
    runner.dispose();
    lm.dispose();
  });

  it('counts trained tokens (loss-masked, pad never) and tokens/s over the step\'s training time only', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmConfig, 5, 'r-lm2b');
    const data = syntheticData();
    // A twin runner shows which images the first batch holds (same seed, same order).
    const twin = new ExperimentRunner(cfg, data, lm);
    const idx = twin.nextBatch(twin.runs[0]).idx;
    // Each row trains on its kept caption ids (at most the budget of 4), <|boi|>, the P image ids and <|eoi|>.
    const expected = idx.reduce((s, i) => s + Math.min(data.train.captions[i].length, 4) + 1 + P + 1, 0);
    const runner = new ExperimentRunner(cfg, data, lm);
    const run = runner.runs[0];
    const rec = await runner.stepRun(run);
    const m = Object.fromEntries(rec.map((r) => [r.metric, r.value]));
    expect(run.tokens).toBe(expected);
    expect(rec[0].tokens).toBe(expected);
    expect(run.trainMs).toBeCloseTo(m[METRICS.stepMs], 6);
    expect(m[METRICS.tokensPerSecond]).toBeCloseTo(expected / (m[METRICS.stepMs] / 1000), 6);
    // An evaluation adds no training time.
    const before = run.trainMs;
    await runner.evalRun(run);
    expect(run.trainMs).toBe(before);
    // take() leaves runs out of a round: here only the second one steps.
    await runner.stepRound(cfg.steps, () => true, (r) => r === runner.runs[1]);
    expect(runner.runs.map((r) => r.step)).toEqual([1, 1]);
    [twin, runner].forEach((r) => r.dispose());
    lm.dispose();
  });

  it('leaves a frozen arm\'s body unchanged while its embeddings, head and LayerNorms train', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmConfig, 5, 'r-lm3');
    const runner = new ExperimentRunner({ ...cfg, arms: ['pretrained-frozen'] }, syntheticData(), lm);
    const run = runner.runs[0];
    const before = new Map([...run.model.params].map(([k, v]) => [k, Array.from(v.dataSync())]));
    for (let i = 0; i < 3; i++) await runner.stepRun(run);
    for (const [k, v] of run.model.params) {
      const same = JSON.stringify(Array.from(v.dataSync())) === JSON.stringify(before.get(k));
      expect(same, k).toBe(!/(wte|wpe|ln_1|ln_2|ln_f)\./.test(k));
    }
    runner.dispose();
    lm.dispose();
  });

  it('stops a run whose loss turns NaN, naming the arm and the step', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmConfig, 5, 'r-lm4');
    const runner = new ExperimentRunner(cfg, syntheticData(), lm);
    const run = runner.runs[1];
    await runner.stepRun(run);
    run.model.assign('transformer.ln_f.weight', new Float32Array(8).fill(NaN));
    await runner.stepRun(run);
    expect(run.stopped).toBe('arm scratch, seed 0: the loss became NaN at step 2; the run stopped and keeps its last good checkpoint');
    expect(await runner.stepRun(run)).toEqual([]);
    runner.dispose();
    lm.dispose();
  });

  it('resumes from a checkpoint exactly as an uninterrupted run continues', async () => {
    await useBackend('wasm');
    const lm = new GPT(lmConfig, 5, 'r-lm5');
    const data = syntheticData();
    const straight = new ExperimentRunner({ ...cfg, arms: ['pretrained-mix'] }, data, lm);
    const losses = async (r: ExperimentRunner, k: number) => {
      const out: number[] = [];
      for (let i = 0; i < k; i++) out.push((await r.stepRun(r.runs[0])).find((m) => m.metric === METRICS.trainLoss)!.value);
      return out;
    };
    const all = await losses(straight, 4);
    const first = new ExperimentRunner({ ...cfg, arms: ['pretrained-mix'] }, data, lm);
    await losses(first, 2);
    const files = saveRun(first.runs[0], data.plan);
    const resumed = new ExperimentRunner({ ...cfg, arms: ['pretrained-mix'] }, data, lm);
    await restoreRun(resumed, files);
    expect(resumed.runs[0].step).toBe(2);
    expect(await losses(resumed, 2)).toEqual(all.slice(2));
    [straight, first, resumed].forEach((r) => r.dispose());
    lm.dispose();
  });
});
