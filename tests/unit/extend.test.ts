// Vocabulary extension: ids after the text vocabulary, every copied row bit-identical, new rows by their rule,
// and the scratch arm sharing the pre-trained arm's new rows.
import { describe, expect, it } from 'vitest';
import { GPT, type GPTConfig } from '../../src/core/nn/gpt';
import { extendPretrained, newRows, planVocab, scratchModel } from '../../src/core/experiment/extend';
import { useBackend } from './helpers/tf';

const cfg: GPTConfig = { vocabSize: 20, nPositions: 8, nEmbd: 4, nLayer: 1, nHead: 2, layerNormEps: 1e-5, tieEmbeddings: false, initStd: 0.5 };
const ours = new Map([['<|bos|>', 16], ['<|boi|>', 17], ['<|eoi|>', 18], ['<|pad|>', 19]]);

describe('vocabulary extension', () => {
  it('appends image codes after the text vocabulary, and missing specials before them', () => {
    expect(planVocab(20, ours, 8)).toEqual({ textVocab: 20, imageOffset: 20, imageCodes: 8, vocabSize: 28, special: { bos: 16, boi: 17, eoi: 18, pad: 19 }, appendedSpecials: [] });
    const gpt2 = planVocab(50257, new Map([['<|endoftext|>', 50256]]), 512);
    expect(gpt2.special).toEqual({ bos: 50256, boi: 50257, eoi: 50258, pad: 50259 });
    expect(gpt2.imageOffset).toBe(50260);
    expect(gpt2.vocabSize).toBe(50260 + 512);
  });

  it('copies every existing parameter bit for bit and appends the given rows', async () => {
    await useBackend('cpu');
    const lm = new GPT(cfg, 3, 'ext-lm');
    const plan = planVocab(20, ours, 6);
    const rows = newRows(lm.params.get('transformer.wte.weight')!.dataSync() as Float32Array, 20, 4, 6, 'random', 1);
    const ft = extendPretrained(lm, plan, rows, 'ext-ft');
    for (const [name, v] of lm.params) {
      const a = v.dataSync();
      const b = ft.params.get(name)!.dataSync();
      expect(Array.from(b.slice(0, a.length)), name).toEqual(Array.from(a));
      if (name === 'transformer.wte.weight' || name === 'lm_head.weight') {
        expect(ft.params.get(name)!.shape).toEqual([26, 4]);
        expect(Array.from(b.slice(a.length))).toEqual(Array.from(rows));
      } else expect(b.length).toBe(a.length);
    }
    const scratch = scratchModel(cfg, plan, rows, 7, 'ext-scratch');
    const sw = scratch.params.get('transformer.wte.weight')!.dataSync();
    expect(Array.from(sw.slice(80))).toEqual(Array.from(rows)); // same new rows as the pre-trained arm
    expect(Array.from(sw.slice(0, 80))).not.toEqual(Array.from(lm.params.get('transformer.wte.weight')!.dataSync()));
    expect(Array.from(scratch.params.get('transformer.h.0.mlp.c_fc.weight')!.dataSync())).not.toEqual(Array.from(lm.params.get('transformer.h.0.mlp.c_fc.weight')!.dataSync()));
    [lm, ft, scratch].forEach((m) => m.dispose());
  });

  it('initialises new rows: random with the rows\' std, mean as the mean row plus small noise', () => {
    const existing = Float32Array.from({ length: 3 * 2 }, (_, i) => [1, 10, 3, 20, 5, 30][i]); // rows (1,10) (3,20) (5,30)
    const rand = newRows(existing, 3, 2, 2000, 'random', 0);
    const std = Math.sqrt(Array.from(rand).reduce((s, v) => s + v * v, 0) / rand.length);
    const all = Array.from(existing);
    const m = all.reduce((a, b) => a + b, 0) / 6;
    const expectStd = Math.sqrt(all.reduce((s, v) => s + (v - m) ** 2, 0) / 6);
    expect(std / expectStd).toBeCloseTo(1, 1);
    const mean = newRows(existing, 3, 2, 1000, 'mean', 0);
    const colMean = [0, 1].map((j) => Array.from(mean).filter((_, i) => i % 2 === j).reduce((a, b) => a + b, 0) / 1000);
    expect(colMean[0]).toBeCloseTo(3, 0);
    expect(colMean[1]).toBeCloseTo(20, 0);
  });
});
