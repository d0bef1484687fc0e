// Time estimates in one unit — trained (loss-masked) tokens per second of training time — before a run (config ×
// speed) and during it (training time per step, evaluation time per evaluation round, each counted once). Expected
// values are worked out by hand below, by way of positions per second rather than the module's formula.
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/experiment/config';
import {
  etaBefore,
  etaDuring,
  evaluationsAfter,
  formatDuration,
  sequenceIds,
  speedEstimate,
  trainedPerSequence,
} from '../../src/app/eta';

describe('eta', () => {
  it('before a run: trained tokens at the measured speed, plus the evaluations’ forward passes, for every run', () => {
    const cfg = {
      ...PRESETS.smoke,
      arms: PRESETS.smoke.arms,
      seeds: 1,
      steps: 6,
      batchSize: 4,
      evalEvery: 3,
      evalImages: 8,
      englishTokens: 400,
      captionBudget: 28,
    };
    expect(sequenceIds(cfg)).toBe(95); // <|bos|> + 28 + <|boi|> + 64 + <|eoi|>
    expect(trainedPerSequence(cfg, 10)).toBe(76); // 10 caption ids + <|boi|> + 64 + <|eoi|> (pad never trains)
    expect(trainedPerSequence(cfg)).toBe(94); // unknown captions: assume they fill the budget
    // At 100 trained tokens/s a run trains 6 × 4 × 76 = 1,824 tokens: 18.24 s. Those seconds process 95/76 positions
    // per trained token = 125 positions/s; a forward pass costs a third per position, so evaluation runs at 375
    // positions/s. Each of the 4 evaluations (steps 0, 2 — an early power of two below evalEvery — 3 and 6) reads
    // 8 × 95 + 2 × 400 = 1,560 positions: 4.16 s. Per run 18.24 + 4 × 4.16 = 34.88 s; two arms: 69.76 s.
    expect(etaBefore(cfg, 100, 10)).toBeCloseTo(69.76, 9);
  });
  it('during a run: run-steps left × (training + saving time per step) + evaluations left × time per evaluation round', () => {
    // 200 run-steps at 250 ms = 50 s; evaluations after step 10 up to 110 every 25: 16 (a power of two below 25),
    // 25, 50, 75, 100 and the last, 110.
    const s = { step: 10, steps: 110, stepsLeft: 200, stepMs: 250, evalMs: 4000, evalEvery: 25, saveMsPerStep: null };
    expect(evaluationsAfter(10, 110, 25)).toBe(6);
    expect(etaDuring(s)).toBe(50 + 6 * 4);
    expect(etaDuring({ ...s, evalMs: null })).toBe(50); // no evaluation measured yet: none added
    expect(etaDuring({ ...s, saveMsPerStep: 50 })).toBe(60 + 6 * 4); // checkpoints have cost 50 ms per run-step so far
    expect(etaDuring({ ...s, stepMs: null })).toBeNull();
    expect(etaDuring({ ...s, step: 110, stepsLeft: 0 })).toBeNull();
    expect(evaluationsAfter(-1, 6, 3)).toBe(4); // steps 0, 2, 3, 6
    expect(evaluationsAfter(-1, 100, 50)).toBe(8); // steps 0, 2, 4, 8, 16, 32, 50, 100
  });
  it('formats seconds, minutes and hours', () => {
    expect([
      formatDuration(null),
      formatDuration(0.2),
      formatDuration(42),
      formatDuration(600),
      formatDuration(5400),
    ]).toEqual(['—', '1 s', '42 s', '10 min', '1.5 h']);
  });
});

describe('the speed an ETA starts from', () => {
  it('is the measured figure when there is one, else the bench guess for wasm/cpu, else none', () => {
    const cfg = { captionBudget: 29 };
    expect(speedEstimate('wasm', 812, cfg)).toEqual({ tokensPerSecond: 812, source: 'measured here on wasm' });
    // By hand: 1127 positions/s × (29 + 64 + 2) trained of (29 + 64 + 3) ids per sequence = 1127 × 95 / 96.
    expect(speedEstimate('wasm', null, cfg)?.tokensPerSecond).toBeCloseTo((1127 * 95) / 96, 9);
    expect(speedEstimate('cpu', null, cfg)?.source).toMatch(/first guess from npm run bench.*\(cpu\)/);
    expect(speedEstimate('webgpu', null, cfg)).toBeNull();
  });
});
