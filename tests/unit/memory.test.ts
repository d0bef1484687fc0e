// The memory estimate of a setup (by hand for a small shape, and against tfjs's own peak for one training step), the
// backend limits and the refusal message a setup too big gets before anything is allocated.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { PRESETS } from '../../src/core/experiment/config';
import { estimateMemory, gptParams, memoryLimit, memoryRefusal, WASM_HEAP_MAX } from '../../src/core/experiment/memory';
import { GPT } from '../../src/core/nn/gpt';
import { useBackend } from './helpers/tf';

const lm = { vocabSize: 100, nPositions: 40, nEmbd: 8, nLayer: 2, nHead: 2, tieEmbeddings: true };
const data = { trainImages: 10, valImages: 2, imageSize: 4, imageTokens: 4, imageCodes: 16 };

describe('memory estimate', () => {
  it('counts parameters as GPT-2 does: wte, wpe, 12d² + 13d per layer, ln_f, lm_head when untied', () => {
    // d = 8, V = 120: wte 960, wpe 320, per layer 12·64 + 13·8 = 872 (×2 = 1,744), ln_f 16.
    expect(gptParams(120, lm)).toBe(960 + 320 + 1744 + 16);
    expect(gptParams(120, { ...lm, tieEmbeddings: false })).toBe(960 + 320 + 1744 + 16 + 960);
    // GPT-2 small (V 50,257, 1,024 positions, d 768, 12 layers, tied) has 124,439,808 parameters.
    expect(gptParams(50257, { nPositions: 1024, nEmbd: 768, nLayer: 12, tieEmbeddings: true })).toBe(124_439_808);
  });

  it('adds the runs, one step, the images and the LM, in bytes', () => {
    const cfg = { arms: [...PRESETS.smoke.arms], seeds: 3, batchSize: 2, captionBudget: 5 };
    const e = estimateMemory(cfg, lm, data);
    // V = 100 + 4 specials + 16 codes = 120; T = 5 + 4 + 3 = 12; params 3,040.
    expect(e.params).toBe(3040);
    expect(e.sequence).toBe(12);
    expect(e.runs).toBe(2 * 3 * 3 * 3040 * 4);
    // Per position: 2·(139·8 + 6·2·12) + 4·120 + 129·8 = 2·1,256 + 480 + 1,032 = 4,024 floats; 24 positions.
    expect(e.step).toBe((3040 + 24 * 4024) * 4);
    expect(e.data).toBe(12 * 4 * 4 * 3 * 4);
    expect(e.lm).toBe(gptParams(100, lm) * 4);
    expect(e.total).toBe(e.runs + e.step + e.data + e.lm);
    // Largest tensor: logits 24 × 120 = 2,880 floats vs attention 2·2·144 = 576.
    expect(e.largestTensor).toBe(2880 * 4);
  });

  it('is within a quarter of tfjs’s own peak for a training step of a mid-sized GPT', async () => {
    await useBackend('cpu');
    const shape = { vocabSize: 1000 - 4 - 16, nPositions: 48, nEmbd: 64, nLayer: 2, nHead: 4, tieEmbeddings: true };
    const B = 4;
    const cfg = { arms: ['pretrained' as const], seeds: 1, batchSize: B, captionBudget: 40 - 4 - 3 };
    const e = estimateMemory(cfg, shape, { ...data, imageTokens: 4, imageCodes: 16 });
    const model = new GPT(
      {
        vocabSize: 1000,
        nPositions: 48,
        nEmbd: 64,
        nLayer: 2,
        nHead: 4,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.02,
      },
      1,
      'mem-test',
    );
    const ids = tf.tensor2d(
      Int32Array.from({ length: B * 40 }, (_, i) => (7 * i) % 1000),
      [B, 40],
      'int32',
    );
    const before = tf.memory().numBytes;
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(model.nll(ids)) as tf.Scalar, [
        ...model.params.values(),
      ] as tf.Variable[]);
      tf.dispose(Object.values(grads));
      return value;
    });
    const measured = info.peakBytes - before;
    expect(e.step / measured).toBeGreaterThan(0.75);
    expect(e.step / measured).toBeLessThan(1.25);
    model.dispose();
    ids.dispose();
  });
});

describe('memory limits and refusals', () => {
  it('wasm has its 4 GB heap (or less memory on the device); GPUs add the largest buffer', () => {
    expect(memoryLimit('wasm', null, null)).toMatchObject({ bytes: WASM_HEAP_MAX, largestTensor: null });
    expect(memoryLimit('wasm', 2, null)?.bytes).toBe(2 * 2 ** 30);
    expect(memoryLimit('webgpu', 8, 256 * 2 ** 20)).toMatchObject({ bytes: 8 * 2 ** 30, largestTensor: 256 * 2 ** 20 });
    expect(memoryLimit('cpu', null, null)).toBeNull();
  });

  it('refuses a setup over the limit with its estimate and what to lower; lets one under it pass', () => {
    const shipped = { vocabSize: 2048, nPositions: 96, nEmbd: 128, nLayer: 4, nHead: 4, tieEmbeddings: true };
    const emoji = { trainImages: 3365, valImages: 421, imageSize: 32, imageTokens: 64, imageCodes: 512 };
    const limit = memoryLimit('wasm', null, null);
    expect(
      memoryRefusal(estimateMemory(PRESETS.classroom, shipped, emoji), limit, 'wasm', PRESETS.classroom),
    ).toBeNull();
    const big = { ...PRESETS.replication, batchSize: 512 };
    const msg = memoryRefusal(estimateMemory(big, shipped, emoji), limit, 'wasm', big)!;
    const runs = big.arms.length * big.seeds; // every arm × its seeds
    expect(msg).toContain(`(${runs} runs × `);
    expect(msg).toMatch(
      /^this setup needs about \d+\.\d GB \(\d+ runs × \d+ MB of weights and optimizer state, \d+\.\d GB for one training step on a batch of 512 × 95 ids, \d+ MB of images and the LM\), but wasm can use 4\.0 GB \(the wasm heap holds at most 4 GB\): lower the batch size/,
    );
    const gpu = memoryLimit('webgpu', 64, 128 * 2 ** 20);
    expect(memoryRefusal(estimateMemory(big, shipped, emoji), gpu, 'webgpu', big)).toMatch(
      /one tensor of this setup .* more than the GPU's largest buffer \(128 MB\)/,
    );
  });
});
