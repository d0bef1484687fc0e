// The experiment-setup flags: each override lands in the config, per-arm rates parse, a recorded sweep's rates are
// read back, and every bad value is refused naming the flag.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseLr, parseSetup } from '../../src/cli/setup-flags';
import { armsProblem, lrFor } from '../../src/core/experiment/config';

describe('setup flags', () => {
  it('override the preset: arms, steps, batch, schedule, per-arm rates', () => {
    const { cfg, tokens, sweep } = parseSetup({
      preset: 'cpu',
      arms: 'pretrained,scratch,pretrained-mix',
      steps: '900',
      batch: '8',
      schedule: 'wsd',
      lr: 'pretrained=0.004,scratch=0.002',
      seeds: '5',
      margin: '0.03',
    });
    expect(cfg.arms).toEqual(['pretrained', 'scratch', 'pretrained-mix']);
    expect(cfg.margin).toBe(0.03);
    expect([cfg.steps, cfg.batchSize, cfg.schedule, cfg.seeds]).toEqual([900, 8, 'wsd', 5]);
    expect(lrFor(cfg, 'pretrained')).toBe(0.004);
    expect(lrFor(cfg, 'pretrained-mix')).toBe(cfg.lr); // no entry: the common rate
    expect(tokens).toBeNull();
    expect(sweep).toBeNull();
    expect(parseLr('0.01')).toEqual({ lr: 0.01, byArm: {} });
  });

  it("reads a sweep's best rates, and --lr-sweep defaults its budget to a quarter of the steps and two seeds", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ best: { pretrained: 0.006, scratch: 0.003 } }));
    // The sweep's arms take its rates; an arm it did not sweep (the preset's shuffled control) keeps the preset's.
    expect(parseSetup({ preset: 'cpu', 'lr-from': join(dir, 'sweep.json') }).cfg.lrByArm).toEqual({
      pretrained: 0.006,
      scratch: 0.003,
      'pretrained-shuffled': 0.01427,
    });
    expect(parseSetup({ preset: 'cpu', steps: '400', 'lr-sweep': '1e-3,3e-3,1e-2' }).sweep).toEqual({
      lrs: [1e-3, 3e-3, 1e-2],
      steps: 100,
      seeds: 2,
    });
    expect(parseSetup({ preset: 'cpu', tokens: '500000' }).tokens).toBe(500000);
  });

  it.each([
    [{ preset: 'nope' }, /--preset must be one of smoke, cpu/],
    [{ preset: 'cpu', arms: 'pretrained,scratchy' }, /--arms: unknown arm "scratchy"/],
    [{ preset: 'cpu', arms: 'pretrained,scratch-frozen' }, /the report compares pretrained with scratch: add scratch/],
    [{ preset: 'cpu', arms: 'pretrained-mix,pretrained-frozen,scratch-frozen' }, /add pretrained and scratch/],
    [{ preset: 'cpu', steps: '10', tokens: '9' }, /--steps or --tokens, not both/],
    [{ preset: 'cpu', lr: 'NaN' }, /--lr must be a positive number, got NaN/],
    [{ preset: 'cpu', lr: 'pretrained:0.1' }, /--lr must be a positive number|is not arm=rate/],
    [{ preset: 'cpu', lr: 'pretrained=-1' }, /--lr must be a positive number, got -1/],
    [{ preset: 'cpu', schedule: 'linear' }, /--schedule must be cosine or wsd/],
    [{ preset: 'cpu', margin: '0' }, /--margin must be a positive number, got 0/],
    [{ preset: 'cpu', 'lr-sweep': '0.001' }, /two or more rates/],
    [{ preset: 'cpu', 'lr-sweep': '0.001,0.01', lr: '0.1' }, /drop --lr/],
    [{ preset: 'cpu', 'sweep-steps': '10' }, /go with --lr-sweep/],
    [
      { preset: 'cpu', 'lr-from': '/nonexistent/sweep.json' },
      /--lr-from \/nonexistent\/sweep.json: cannot read a sweep there/,
    ],
    [{ preset: 'cpu', seeds: '0' }, /--seeds must be an integer in \[1, 20\]/],
  ])('refuses %j', (flags, message) => {
    expect(() => parseSetup(flags as Parameters<typeof parseSetup>[0])).toThrow(message);
  });

  it('knows which arm sets make a report', () => {
    expect(armsProblem(['pretrained', 'scratch'])).toBeNull();
    expect(armsProblem(['pretrained', 'scratch', 'image-only-pretrained', 'pretrained-mix'])).toBeNull();
    expect(armsProblem(['image-only-pretrained', 'image-only-scratch'])).toMatch(/add pretrained and scratch/);
    expect(armsProblem([])).toMatch(/no arms/);
  });
});

describe('evaluation schedule', () => {
  it('evaluates every evalEvery steps, at the last step, and at the powers of two below evalEvery', async () => {
    const { isEvalStep, evalCount } = await import('../../src/core/experiment/config');
    const cfg = { evalEvery: 50, steps: 120 };
    expect([...Array(121).keys()].filter((s) => s > 0 && isEvalStep(s, cfg))).toEqual([2, 4, 8, 16, 32, 50, 100, 120]);
    expect(evalCount(cfg)).toBe(9); // with step 0
  });
});
