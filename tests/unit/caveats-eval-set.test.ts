// The report's evaluation-set caveat (src/core/experiment/caveats.ts): what it says for a stratified subset, the first
// N images, every image, and a dataset with fewer validation images than asked for — where "the first 9 … (1 images
// evaluated)" once contradicted itself (a one-image dataset, shared/cases/dataset-one-image).
import { describe, expect, it } from 'vitest';
import { caveats } from '../../src/core/experiment/caveats';
import { PRESETS } from '../../src/core/experiment/config';

const evalLine = (evalImages: number, meta: Record<string, unknown>) =>
  caveats({ config: { ...PRESETS.smoke, evalImages }, meta, margin: 0.05, power: {} }).find((l) =>
    l.startsWith('Evaluation set'),
  );

describe('the evaluation-set caveat', () => {
  it('says a stratified subset, the first N, and every image as they are', () => {
    expect(evalLine(96, { valImages: 96, evalOrder: 'stratified' })).toBe(
      'Evaluation set: held-out losses on a stratified 96 of the validation images, every category in proportion (selection.ts), not all of them (96 images evaluated).',
    );
    expect(evalLine(96, { valImages: 96 })).toMatch(
      /^Evaluation set: held-out losses on the first 96 validation images/,
    );
    expect(evalLine(0, { valImages: 421 })).toBe('Evaluation set: every validation image (421).');
  });
  it('says every image, and how few, when the dataset has fewer than asked for — and when they are the training images', () => {
    expect(evalLine(9, { valImages: 1, validationIsTraining: 'the validation images ARE the training images' })).toBe(
      'Evaluation set: every validation image (1 image, fewer than the 9 asked for, which are the training images themselves).',
    );
    expect(evalLine(96, { valImages: 40, evalOrder: 'stratified' })).toBe(
      'Evaluation set: every validation image (40 images, fewer than the 96 asked for).',
    );
    expect(evalLine(0, { valImages: 3, validationIsTraining: 'x' })).toBe(
      'Evaluation set: every validation image (3, which are the training images themselves).',
    );
  });
});
