// Held-out English loss over the full softmax and over the text ids only (evals.ts), against a float64 computation
// from the model's own logits, window by window; the text-ids figure ignores the image rows entirely, the full one
// does not; the full figure is the same as the older meanNll's.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { GPT } from '../../src/core/nn/gpt';
import { meanNll } from '../../src/core/nn/eval';
import { Rng } from '../../src/core/nn/init';
import { englishLoss } from '../../src/core/experiment/evals';
import { useBackend } from './helpers/tf';

const V = 20;
const TEXT = 12; // ids 12…19 play the image codes
const config = {
  vocabSize: V,
  nPositions: 8,
  nEmbd: 8,
  nLayer: 1,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.3,
};

/** Σ −log softmax over `width` ids, in float64, of each window's next-token predictions (windows as evals.ts cuts them). */
function reference(model: GPT, ids: number[], width: number): number {
  let total = 0;
  let count = 0;
  for (let start = 0; start < ids.length - 1; start += config.nPositions - 1) {
    const w = ids.slice(start, start + config.nPositions);
    const logits = tf.tidy(() => model.logits(tf.tensor2d([w], [1, w.length], 'int32'))).arraySync()[0];
    for (let t = 0; t + 1 < w.length; t++) {
      const row = logits[t].slice(0, width);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      total += lse - row[w[t + 1]];
      count += 1;
    }
  }
  return total / count;
}

describe('English loss over text ids', () => {
  it('matches a float64 computation from the logits, over the full softmax and over the text ids only', async () => {
    await useBackend('cpu');
    const rng = new Rng(3);
    const model = new GPT(config, 4, 'ev-1');
    const ids = Array.from({ length: 31 }, () => rng.int(TEXT)); // 5 windows of 8 overlapping by one (the last shorter)
    const r = await englishLoss(model, ids, TEXT, 2);
    expect(r.predictions).toBe(30);
    expect(r.full).toBeCloseTo(reference(model, ids, V), 5);
    expect(r.textIds).toBeCloseTo(reference(model, ids, TEXT), 5);
    expect(r.textIds).toBeLessThan(r.full); // removing ids from the softmax can only raise the text ids' probability
    expect(r.full).toBeCloseTo((await meanNll(model, ids)).meanNll, 5);
    model.dispose();
  });

  it('ignores the image rows: changing them moves the full-softmax figure, not the text-ids one', async () => {
    await useBackend('cpu');
    const rng = new Rng(5);
    const model = new GPT(config, 6, 'ev-2');
    const ids = Array.from({ length: 20 }, () => rng.int(TEXT));
    const before = await englishLoss(model, ids, TEXT);
    const wte = Float32Array.from(model.params.get('transformer.wte.weight')!.dataSync());
    for (let i = TEXT * config.nEmbd; i < wte.length; i++) wte[i] = 3 * rng.normal(); // large image rows: much probability moves there
    model.assign('transformer.wte.weight', wte);
    const after = await englishLoss(model, ids, TEXT);
    expect(after.textIds).toBeCloseTo(before.textIds, 6);
    expect(after.full - before.full).toBeGreaterThan(0.1);
    model.dispose();
  });

  it('refuses an English id outside the text vocabulary, naming it', async () => {
    await useBackend('cpu');
    const model = new GPT(config, 7, 'ev-3');
    await expect(englishLoss(model, [1, 2, 15, 3], TEXT)).rejects.toThrow(
      /English id 15 at position 2 is outside the text vocabulary \[0, 12\)/,
    );
    model.dispose();
  });
});
