// The finishing phase in the ETA (src/app/finish-eta.ts) against hand-computed values: the lesson at the speed it
// was measured at gives back the measured 513 s (121 + 112 + 280), and each part follows its own setting.
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/experiment/config';
import { finishSeconds } from '../../src/app/finish-eta';

describe('finishSeconds', () => {
  it('gives back the lesson measurement: 6 runs × 64 images, 150 classifier steps, 300 caption-LM steps at 244 tokens/s', () => {
    // (6·64·77 + 150·182 + 300·228) / 244 = 125268 / 244
    expect(finishSeconds(PRESETS.lesson, 244)).toBeCloseTo(125268 / 244, 9);
    expect(Math.abs(finishSeconds(PRESETS.lesson, 244) - (121 + 112 + 280))).toBeLessThan(5);
  });
  it('counts the runs that sample (not image-only arms), caps images at the validation set, and drops the classifier without categories', () => {
    const cfg = {
      ...PRESETS.lesson,
      arms: ['pretrained', 'scratch', 'image-only-pretrained'] as typeof PRESETS.lesson.arms,
      seeds: 2,
    };
    expect(finishSeconds(cfg, 100)).toBeCloseTo((4 * 64 * 77 + 150 * 182 + 300 * 228) / 100, 9);
    expect(finishSeconds(cfg, 100, 10)).toBeCloseTo((4 * 10 * 77 + 150 * 182 + 300 * 228) / 100, 9);
    expect(finishSeconds(cfg, 100, null, false)).toBeCloseTo((4 * 64 * 77 + 300 * 228) / 100, 9);
    expect(() => finishSeconds(cfg, 0)).toThrow('finishSeconds needs a positive speed, got 0');
  });
});
