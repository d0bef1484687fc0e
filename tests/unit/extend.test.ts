// Vocabulary extension: ids after the text vocabulary, every copied row bit-identical, new rows by their rule, and
// each arm's new rows at its own table's scale with the same seeded noise.
import { describe, expect, it } from 'vitest';
import { GPT, type GPTConfig } from '../../src/core/nn/gpt';
import { extendPretrained, newRows, planVocab, scratchModel, scratchTextRows } from '../../src/core/experiment/extend';
import { useBackend } from './helpers/tf';

const cfg: GPTConfig = {
  vocabSize: 20,
  nPositions: 8,
  nEmbd: 4,
  nLayer: 1,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: false,
  initStd: 0.5,
};
const ours = new Map([
  ['<|bos|>', 16],
  ['<|boi|>', 17],
  ['<|eoi|>', 18],
  ['<|pad|>', 19],
]);

describe('vocabulary extension', () => {
  it('appends image codes after the text vocabulary, and missing specials before them', () => {
    expect(planVocab(20, ours, 8)).toEqual({
      textVocab: 20,
      imageOffset: 20,
      imageCodes: 8,
      vocabSize: 28,
      special: { bos: 16, boi: 17, eoi: 18, pad: 19 },
      appendedSpecials: [],
    });
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
    let seen: Float32Array | null = null;
    const scratch = scratchModel(
      cfg,
      plan,
      (own) => ((seen = Float32Array.from(own)), newRows(own, 20, 4, 6, 'random', 1)),
      7,
      'ext-scratch',
    );
    const sw = scratch.params.get('transformer.wte.weight')!.dataSync();
    expect(Array.from(seen!)).toEqual(Array.from(sw.slice(0, 80))); // rowsFor saw the arm's own text rows
    expect(Array.from(scratchTextRows(cfg, plan, 7))).toEqual(Array.from(sw.slice(0, 80)));
    expect(Array.from(sw.slice(80))).toEqual(Array.from(newRows(seen!, 20, 4, 6, 'random', 1)));
    expect(Array.from(sw.slice(0, 80))).not.toEqual(Array.from(lm.params.get('transformer.wte.weight')!.dataSync()));
    expect(Array.from(scratch.params.get('transformer.h.0.mlp.c_fc.weight')!.dataSync())).not.toEqual(
      Array.from(lm.params.get('transformer.h.0.mlp.c_fc.weight')!.dataSync()),
    );
    [lm, ft, scratch].forEach((m) => m.dispose());
  });

  it("initialises new rows: random with the rows' std, mean as the mean row plus small noise", () => {
    const existing = Float32Array.from({ length: 3 * 2 }, (_, i) => [1, 10, 3, 20, 5, 30][i]); // rows (1,10) (3,20) (5,30)
    const rand = newRows(existing, 3, 2, 2000, 'random', 0);
    const std = Math.sqrt(Array.from(rand).reduce((s, v) => s + v * v, 0) / rand.length);
    const all = Array.from(existing);
    const m = all.reduce((a, b) => a + b, 0) / 6;
    const expectStd = Math.sqrt(all.reduce((s, v) => s + (v - m) ** 2, 0) / 6);
    expect(std / expectStd).toBeCloseTo(1, 1);
    const mean = newRows(existing, 3, 2, 1000, 'mean', 0);
    const colMean = [0, 1].map(
      (j) =>
        Array.from(mean)
          .filter((_, i) => i % 2 === j)
          .reduce((a, b) => a + b, 0) / 1000,
    );
    expect(colMean[0]).toBeCloseTo(3, 0);
    expect(colMean[1]).toBeCloseTo(20, 0);
  });

  it('gives each arm random rows at its own scale from the same noise: a table 4× wider gets rows 4× larger', () => {
    const narrow = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.3) * 0.02);
    const wide = narrow.map((v) => v * 4);
    const a = newRows(narrow, 10, 4, 50, 'random', 3);
    const b = newRows(wide, 10, 4, 50, 'random', 3);
    Array.from(a).forEach((v, i) => expect(b[i]).toBeCloseTo(4 * v, 6));
  });
});
