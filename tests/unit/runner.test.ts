// The experiment runner on synthetic data: identical batches across the arms of a seed, the logged losses against
// an independent computation, frozen weights staying frozen, NaN stopping a run by name, and resume continuing exactly as an uninterrupted run.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { GPT } from '../../src/core/nn/gpt';
import { Rng } from '../../src/core/nn/init';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import { planVocab } from '../../src/core/experiment/extend';
import { ExperimentRunner } from '../../src/core/experiment/runner';
import { restoreRun, saveRun } from '../../src/core/experiment/resume';
import type { ExperimentData } from '../../src/core/experiment/data';
import { METRICS } from '../../src/core/metrics';
import { useBackend } from './helpers/tf';

const P = 4; // a 2×2 image grid keeps sequences short
function syntheticData(): ExperimentData {
  const rng = new Rng(1);
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
  const split = (n: number) => ({
    codes: Int32Array.from({ length: n * P }, () => rng.int(8)),
    captions: Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(4) }, () => rng.int(16))),
    text: Array.from({ length: n }, (_, i) => `caption ${i}`),
    count: n,
  });
  const stream = (n: number) => Array.from({ length: n }, () => rng.int(16));
  return {
    plan,
    imageTokens: P,
    train: split(24),
    val: split(6),
    english: { train: Int32Array.from(stream(400)), heldout: stream(60), ood: stream(60) },
  };
}
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
const cfg: ExperimentConfig = {
  ...PRESETS.smoke,
  captionBudget: 4,
  batchSize: 4,
  steps: 4,
  evalEvery: 2,
  evalImages: 6,
  englishTokens: 40,
  warmupSteps: 1,
};

describe('experiment runner', () => {
  it('feeds the arms of a seed identical batches, different seeds different ones', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmConfig, 5, 'r-lm1');
    lm.assign(
      'transformer.wte.weight',
      Float32Array.from(lm.params.get('transformer.wte.weight')!.dataSync(), (v) => 3 * v),
    ); // a "pre-trained" table 3× wider than the scratch arm's
    const runner = new ExperimentRunner({ ...cfg, seeds: 2, arms: ['pretrained', 'scratch'] }, syntheticData(), lm);
    const [p0, s0, p1] = runner.runs;
    for (let k = 0; k < 3; k++) {
      const a = runner.nextBatch(p0);
      const b = runner.nextBatch(s0);
      const c = runner.nextBatch(p1);
      expect(Array.from(b.batch.ids)).toEqual(Array.from(a.batch.ids));
      expect(c.idx).not.toEqual(a.idx);
    }
    // Both arms' new rows are the same seeded noise, each at its own text table's scale (std around the mean).
    const wte = (i: number) => Array.from(runner.runs[i].model.params.get('transformer.wte.weight')!.dataSync());
    const std = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
    };
    const [pre, scr] = [wte(0), wte(1)];
    const ratio = std(scr.slice(0, 20 * 8)) / std(pre.slice(0, 20 * 8));
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(0.45); // ≈ 1/3
    pre.slice(20 * 8).forEach((v, k) => expect(scr[20 * 8 + k]).toBeCloseTo(v * ratio, 5));
    runner.dispose();
    lm.dispose();
  });

  it('logs train/loss, text and image losses that match a float64 computation from the logits on the batch it trained on', async () => {
    await useBackend('cpu');
    const lm = new GPT(lmConfig, 5, 'r-lm2');
    const data = syntheticData();
    const runner = new ExperimentRunner(cfg, data, lm);
    // A twin runner (same seed, same init, same batch order) gives the batch and the weights before the step.
    const twin = new ExperimentRunner(cfg, data, lm);
    const { batch: b } = twin.nextBatch(twin.runs[0]);
    const logits = tf.tidy(() => twin.runs[0].model.logits(tf.tensor2d(b.ids, [b.B, b.T], 'int32'))).arraySync();
    // Which targets are caption, image or trained-on tokens, read from the ids alone (not from the batch's masks).
    const { imageOffset, special } = data.plan;
    const sums = { text: [0, 0], image: [0, 0], loss: [0, 0] };
    for (let r = 0; r < b.B; r++)
      for (let t = 0; t + 1 < b.T; t++) {
        const target = b.ids[r * b.T + t + 1];
        const row = logits[r][t];
        const max = Math.max(...row);
        const nll = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) - row[target];
        const add = (k: keyof typeof sums) => ((sums[k][0] += nll), (sums[k][1] += 1));
        if (target === special.pad || target === special.bos) continue;
        add('loss');
        if (target >= imageOffset) add('image');
        else if (target !== special.boi && target !== special.eoi) add('text');
      }
    expect(sums.text[1]).toBeGreaterThan(0);
    const m = Object.fromEntries((await runner.stepRun(runner.runs[0])).map((r) => [r.metric, r.value]));
    expect(m[METRICS.trainTextLoss]).toBeCloseTo(sums.text[0] / sums.text[1], 5);
    expect(m[METRICS.trainImageLoss]).toBeCloseTo(sums.image[0] / sums.image[1], 5);
    expect(m[METRICS.trainLoss]).toBeCloseTo(sums.loss[0] / sums.loss[1], 5);
    expect(Object.keys(m)).toEqual(expect.arrayContaining([METRICS.gradNorm, METRICS.lr, METRICS.tokensPerSecond]));
    [runner, twin].forEach((r) => r.dispose());
    lm.dispose();
  });

  it("counts trained tokens (loss-masked, pad never) and tokens/s over the step's training time only", async () => {
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
    await runner.stepRound(
      cfg.steps,
      () => true,
      (r) => r === runner.runs[1],
    );
    expect(runner.runs.map((r) => r.step)).toEqual([1, 1]);
    [twin, runner].forEach((r) => r.dispose());
    lm.dispose();
  });

  it("leaves a frozen arm's body unchanged while its embeddings, head and LayerNorms train", async () => {
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
    expect(run.stopped).toBe(
      'arm scratch, seed 0: the loss or gradient became NaN/Inf at step 2; the run stopped and keeps its last good checkpoint',
    );
    expect(await runner.stepRun(run)).toEqual([]);
    // A NaN at a step that is not read back is found at the next read-back and named by its own step.
    const other = runner.runs[0];
    await runner.stepRun(other);
    other.model.assign('transformer.ln_f.weight', new Float32Array(8).fill(NaN));
    expect(await runner.stepRun(other, false)).toEqual([]);
    expect(other.stopped).toBeNull();
    await runner.stepRun(other, false);
    await runner.stepRun(other, true);
    expect(other.stopped).toBe(
      'arm pretrained, seed 0: the loss or gradient became NaN/Inf at step 2 (found at step 4); the run stopped and keeps its last good checkpoint',
    );
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
      for (let i = 0; i < k; i++)
        out.push((await r.stepRun(r.runs[0])).find((m) => m.metric === METRICS.trainLoss)!.value);
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
