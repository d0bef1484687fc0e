// Training sequences and their masks on hand-made examples, and the per-position allowed-id masks for sampling.
import { describe, expect, it } from 'vitest';
import {
  allowedIds,
  buildBatch,
  buildSequence,
  firstImagePosition,
  sequenceLength,
  type SequenceSpec,
} from '../../src/core/data/sequences';

// Text ids 0..9, image codes 10..13 (4 codes), specials bos 14, boi 15, eoi 16, pad 17. Images of 3 tokens.
const spec: SequenceSpec = {
  captionBudget: 3,
  imageTokens: 3,
  imageOffset: 10,
  imageCodes: 4,
  special: { bos: 14, boi: 15, eoi: 16, pad: 17 },
  imageOnly: false,
};

describe('sequences', () => {
  it('pads a short caption and masks exactly the caption and image targets', () => {
    const s = buildSequence(spec, [5, 6], [0, 3, 1]);
    //          pos:   0   1  2   3   4   5   6   7   8
    expect(s.ids).toEqual([14, 5, 6, 17, 15, 10, 13, 11, 16]);
    expect(sequenceLength(spec)).toBe(9);
    expect(firstImagePosition(spec)).toBe(5);
    // prediction t targets ids[t+1]:  5  6  pad boi 10 13 11 eoi
    expect(s.text).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    expect(s.image).toEqual([0, 0, 0, 0, 1, 1, 1, 0]);
    expect(s.loss).toEqual([1, 1, 0, 1, 1, 1, 1, 1]);
    expect(s.truncated).toBe(0);
  });

  it('truncates a long caption to the budget', () => {
    const s = buildSequence(spec, [1, 2, 3, 4, 5], [2, 2, 2]);
    expect(s.ids).toEqual([14, 1, 2, 3, 15, 12, 12, 12, 16]);
    expect(s.text).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect(s.truncated).toBe(2);
  });

  it('drops the caption in the image-only variant', () => {
    const s = buildSequence({ ...spec, imageOnly: true }, [1, 2], [0, 1, 2]);
    expect(s.ids).toEqual([14, 15, 10, 11, 12, 16]);
    expect(s.text).toEqual([0, 0, 0, 0, 0]);
    expect(s.image).toEqual([0, 1, 1, 1, 0]);
    expect(s.loss).toEqual([1, 1, 1, 1, 1]);
  });

  it('refuses codes outside the codebook and the wrong number of codes', () => {
    expect(() => buildSequence(spec, [1], [0, 4, 1])).toThrow(/image code 4 outside \[0, 4\)/);
    expect(() => buildSequence(spec, [1], [0, 1])).toThrow(/2 image codes, expected 3/);
  });

  it('packs batches row-major', () => {
    const b = buildBatch(
      spec,
      [[5], [1, 2, 3]],
      [
        [0, 0, 0],
        [1, 1, 1],
      ],
    );
    expect([b.B, b.T]).toEqual([2, 9]);
    expect(Array.from(b.ids.subarray(9))).toEqual([14, 1, 2, 3, 15, 11, 11, 11, 16]);
    expect(Array.from(b.text.subarray(0, 8))).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(b.loss.subarray(0, 8))).toEqual([1, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('allows image ids only at image positions, boi and eoi at theirs, text elsewhere', () => {
    const allowed = allowedIds(spec, 18);
    const on = (pos: number) => [...allowed(pos)].flatMap((v, id) => (v ? [id] : []));
    expect(on(1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17]);
    expect(on(4)).toEqual([15]);
    expect(on(5)).toEqual([10, 11, 12, 13]);
    expect(on(7)).toEqual([10, 11, 12, 13]);
    expect(on(8)).toEqual([16]);
  });
});
