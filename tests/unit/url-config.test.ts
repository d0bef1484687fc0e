// The experiment setup in the URL: a round trip reproduces the setup, only changed fields are written, and bad
// values are ignored with a reason while the rest of the link still applies.
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/experiment/config';
import { configFromQuery, configToQuery } from '../../src/app/store/url-config';

const base = PRESETS.classroom;

describe('config in the URL', () => {
  it('round-trips a changed setup and writes only what differs', () => {
    const cfg = {
      ...base,
      seeds: 3,
      captionLevel: 'L4' as const,
      arms: ['pretrained', 'scratch', 'pretrained-mix'] as typeof base.arms,
      lr: 0.0005,
      rowInit: 'aligned' as const,
    };
    const q = configToQuery(cfg, base);
    expect(q).toBe(
      'preset=classroom&arms=pretrained%2Cscratch%2Cpretrained-mix&seeds=3&level=L4&lr=0.0005&init=aligned',
    );
    expect(configFromQuery(q, base)).toEqual({ config: cfg, ignored: [] });
    expect(configToQuery(base, base)).toBe('preset=classroom');
    // The checkpoint interval travels too (0: none by step, only by time and at the end).
    expect(configToQuery({ ...base, checkpointEvery: 0 }, base)).toBe('preset=classroom&ckpt=0');
    expect(configFromQuery('ckpt=0', base).config.checkpointEvery).toBe(0);
  });

  it("a learning rate in the link is every arm's, like a typed one; without it the preset's per-arm rates stay", () => {
    expect(configFromQuery('preset=lesson', PRESETS.lesson).config.lrByArm).toEqual({
      pretrained: 0.015,
      scratch: 0.006,
    });
    expect(configFromQuery('preset=custom&lr=0.002', PRESETS.lesson).config).toMatchObject({ lr: 0.002, lrByArm: {} });
  });

  it('ignores bad values with a reason and applies the rest', () => {
    const { config, ignored } = configFromQuery('seeds=0&level=L9&arms=pretrained,dalle&steps=50&lr=abc&batch=8', base);
    expect(config.steps).toBe(50);
    expect(config.batchSize).toBe(8);
    expect(config.seeds).toBe(base.seeds);
    expect(config.arms).toEqual(base.arms);
    expect(ignored).toEqual([
      'arms=pretrained,dalle (unknown: dalle)',
      'seeds=0 (expected an integer in [1, 10])',
      'level=L9 (expected one of L0, L1, L2, L3, L4)',
      'lr=abc (expected a number in [0.000001, 1])',
    ]);
  });
});
