// Time estimates before (config × speed) and during a run (recent round time), and their wording.
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/experiment/config';
import { etaBefore, etaDuring, formatDuration, sequenceIds } from '../../src/app/eta';

describe('eta', () => {
  it('before a run: training tokens plus a third of the evaluation tokens, over all runs, at the given speed', () => {
    const cfg = { ...PRESETS.smoke, arms: PRESETS.smoke.arms, seeds: 1, steps: 6, batchSize: 4, evalEvery: 3, evalImages: 8, englishTokens: 400, captionBudget: 28 };
    const T = 28 + 64 + 3;
    expect(sequenceIds(cfg)).toBe(T);
    const train = 6 * 4 * T;
    const evals = 4 * ((8 * T + 2 * 400) / 3); // steps 0, 2 (the early power of two), 3, 6
    expect(etaBefore(cfg, 100)).toBeCloseTo((2 * (train + evals)) / 100, 9);
  });
  it('during a run: remaining rounds × recent round time; nothing without a measurement or when done', () => {
    expect(etaDuring(10, 110, 500)).toBe(50);
    expect(etaDuring(10, 110, null)).toBeNull();
    expect(etaDuring(110, 110, 500)).toBeNull();
  });
  it('formats seconds, minutes and hours', () => {
    expect([formatDuration(null), formatDuration(0.2), formatDuration(42), formatDuration(600), formatDuration(5400)]).toEqual(['—', '1 s', '42 s', '10 min', '1.5 h']);
  });
});
