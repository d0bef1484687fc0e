// GPT against an independent float64 reference (forward, per-position NLL, finite-difference gradients),
// plus seeded init, embedding modes, generation masks, overfitting one batch and tensor-count stability.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { GPT, type GPTConfig } from '../../src/core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../../src/core/nn/optim';
import { readStep, trainStep } from '../../src/core/nn/train';
import { maskedMean } from '../../src/core/nn/ops';
import { Rng } from '../../src/core/nn/init';
import { referenceLogits, referenceNll } from './reference/gpt64';
import { expectAllclose, expectGradsMatchFiniteDifferences, useBackend, weights64 } from './helpers/tf';

const tiny: GPTConfig = {
  vocabSize: 37,
  nPositions: 16,
  nEmbd: 16,
  nLayer: 2,
  nHead: 4,
  layerNormEps: 1e-5,
  tieEmbeddings: false,
  initStd: 0.2,
};

function randomIds(seed: number, B: number, T: number, V: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
}

describe.each(['cpu', 'wasm'] as const)('GPT on %s', (backend) => {
  it.each([false, true])('matches the float64 reference (tied head: %s) within 1e-4 relative', async (tied) => {
    await useBackend(backend);
    const config = { ...tiny, tieEmbeddings: tied };
    const model = new GPT(config, 7);
    const ids = randomIds(3, 2, 11, config.vocabSize);
    const W = weights64(model);
    const idsT = tf.tensor2d(ids, [2, 11], 'int32');
    const logits = model.logits(idsT);
    const expLogits = ids.flatMap((row) => referenceLogits(config, W, row).flatMap((r) => Array.from(r)));
    const logitErr = expectAllclose(await logits.data(), expLogits, 1e-4, 1e-5);
    // Only the last position (what generation uses) gives that position's reference logits.
    const last = model.logits(idsT, true);
    expect(last.shape).toEqual([2, 1, config.vocabSize]);
    expectAllclose(
      await last.data(),
      ids.flatMap((row) => Array.from(referenceLogits(config, W, row)[10])),
      1e-4,
      1e-5,
    );
    last.dispose();
    const nll = model.nll(idsT);
    expect(nll.shape).toEqual([2, 10]);
    const nllErr = expectAllclose(
      await nll.data(),
      ids.flatMap((row) => referenceNll(config, W, row)),
      1e-4,
    );
    console.log(
      `[parity] ${backend} tied=${tied}: max rel err logits ${logitErr.toExponential(2)}, nll ${nllErr.toExponential(2)}`,
    );
    nll.dispose();
    tf.dispose([idsT, logits]);
    model.dispose();
  });
});

describe.each(['cpu', 'wasm'] as const)('GPT gradients on %s', (backend) => {
  it('match central finite differences of the float64 reference loss', async () => {
    await useBackend(backend);
    const config = { ...tiny, nLayer: 1, vocabSize: 11, nEmbd: 8, nHead: 2 };
    const model = new GPT(config, 1);
    const ids = randomIds(5, 2, 6, config.vocabSize);
    const mask = [
      [1, 1, 0, 1, 1],
      [1, 0, 1, 1, 1],
    ];
    const idsT = tf.tensor2d(ids, [2, 6], 'int32');
    const maskT = tf.tensor2d(mask);
    const vars = [...model.params.values()];
    const { grads, value } = tf.variableGrads(() => maskedMean(model.nll(idsT), maskT), vars);
    const W = weights64(model);
    const refLoss = () => {
      let s = 0;
      let n = 0;
      ids.forEach((row, b) =>
        referenceNll(config, W, row).forEach((v, t) => ((s += v * mask[b][t]), (n += mask[b][t]))),
      );
      return s / n;
    };
    expect(value.dataSync()[0]).toBeCloseTo(refLoss(), 5);
    const checked = expectGradsMatchFiniteDifferences(model, grads, W, refLoss, new Rng(9), 4);
    expect(checked).toBe(4 * model.params.size);
    tf.dispose([idsT, maskT, value, ...Object.values(grads)]);
    model.dispose();
  });
});

describe.each(['cpu', 'wasm'] as const)('GPT generation with a key/value cache on %s', (backend) => {
  it("gives the uncached path's greedy ids and logits (float32 noise), also past nPositions, and frees its cache", async () => {
    await useBackend(backend);
    const model = new GPT({ ...tiny, tieEmbeddings: true }, 11);
    const prompts = randomIds(4, 3, 5, tiny.vocabSize);
    const run = async (cache: boolean) => {
      const logits: number[][] = [];
      const ids = await model.generate(prompts, 14, {
        temperature: 0,
        topK: 0,
        cache,
        onLogits: (_, l) => logits.push(Array.from(l)),
      }); // 5 + 14 > nPositions 16
      return { ids, logits };
    };
    await run(true); // first call sets up kernels and caches
    const before = tf.memory().numTensors;
    const cached = await run(true);
    expect(tf.memory().numTensors).toBe(before);
    const plain = await run(false);
    expect(cached.ids).toEqual(plain.ids);
    expect(cached.logits.length).toBe(14);
    cached.logits.forEach((l, i) => expectAllclose(l, plain.logits[i], 1e-4, 1e-5));
    model.dispose();
  });
});

describe('GPT init and generation', () => {
  it('frees every tensor it makes: creating and disposing a model and its optimizer leaves the count unchanged', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const model = new GPT(tiny, 1);
    const opt = new AdamW(model.params, DEFAULT_ADAMW);
    expect(tf.memory().numTensors).toBe(before + 3 * model.params.size); // weights + two moments each
    opt.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic from the seed', async () => {
    await useBackend('cpu');
    const a = new GPT(tiny, 42);
    const b = new GPT(tiny, 42);
    const c = new GPT(tiny, 43);
    const w = (m: GPT) => m.params.get('transformer.h.1.mlp.c_fc.weight')!.dataSync();
    expect(Array.from(w(a))).toEqual(Array.from(w(b)));
    expect(Array.from(w(a))).not.toEqual(Array.from(w(c)));
    expect(a.numParams()).toBe(
      37 * 16 + 16 * 16 + 2 * (4 * 16 + 16 * 48 + 48 + 16 * 16 + 16 + 16 * 64 + 64 + 64 * 16 + 16) + 2 * 16 + 37 * 16,
    );
    [a, b, c].forEach((m) => m.dispose());
  });

  it('respects the allowed-id mask, and greedy equals top-k 1', async () => {
    await useBackend('cpu');
    const model = new GPT(tiny, 3);
    const imageIds = new Uint8Array(tiny.vocabSize);
    for (let i = 20; i < 30; i++) imageIds[i] = 1;
    const allowed = (pos: number) => (pos >= 4 ? imageIds : null);
    const out = await model.generate([[1, 2, 3, 4]], 8, { temperature: 1.5, topK: 0, seed: 1, allowed });
    expect(out[0].slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(out[0]).toHaveLength(12);
    for (const id of out[0].slice(4)) expect(id >= 20 && id < 30).toBe(true);
    const greedy = await model.generate([[5, 6]], 5, { temperature: 0, topK: 0 });
    const top1 = await model.generate([[5, 6]], 5, { temperature: 1, topK: 1, seed: 99 });
    expect(top1).toEqual(greedy);
    const again = await model.generate([[1, 2, 3, 4]], 8, { temperature: 1.5, topK: 0, seed: 1, allowed });
    expect(again).toEqual(out);
    // Greedy decoding equals the argmax of the float64 reference at every step.
    const W = weights64(model);
    const ref = [5, 6];
    for (let k = 0; k < 5; k++) {
      const row = referenceLogits(tiny, W, ref)[ref.length - 1];
      ref.push(row.indexOf(Math.max(...row)));
    }
    expect(greedy[0]).toEqual(ref);
    model.dispose();
  });
});

describe('GPT training on wasm', () => {
  it('overfits one fixed batch (loss < 0.1) and keeps the tensor count flat', async () => {
    await useBackend('wasm');
    const config: GPTConfig = {
      ...tiny,
      vocabSize: 32,
      nPositions: 16,
      nEmbd: 32,
      nHead: 4,
      nLayer: 2,
      initStd: 0.02,
      tieEmbeddings: true,
    };
    const model = new GPT(config, 0);
    const opt = new AdamW(model.params, {
      ...DEFAULT_ADAMW,
      lr: 3e-3,
      warmupSteps: 10,
      totalSteps: 400,
      weightDecay: 0,
    });
    const ids = tf.tensor2d(randomIds(11, 4, 16, config.vocabSize), [4, 16], 'int32');
    const loss = () => tf.mean(model.nll(ids)) as tf.Scalar;
    const first = await readStep(trainStep(opt, loss));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const r = trainStep(opt, loss);
      tf.dispose([r.loss, r.gradNorm]);
    }
    expect(tf.memory().numTensors).toBe(before);
    let last = first.loss;
    let steps = 21;
    while (steps < 400 && last >= 0.1) {
      const r = trainStep(opt, loss);
      if (steps % 10 === 0) last = (await readStep(r)).loss;
      else tf.dispose([r.loss, r.gradNorm]);
      steps++;
    }
    console.log(`[overfit] wasm: loss ${first.loss.toFixed(3)} → ${last.toFixed(4)} in ${steps} steps`);
    expect(last).toBeLessThan(0.1);
    ids.dispose();
    opt.dispose();
    model.dispose();
  });
});
