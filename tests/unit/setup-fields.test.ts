// One table of setup fields (core/experiment/setup-fields.ts) drives the page's number fields, the URL and the CLI's
// setup flags: each view holds exactly the table's fields, with its ranges and words, and the page keeps its order.
import { describe, expect, it } from 'vitest';
import { CLI_FIELDS, FORM_FIELDS, SETUP_FIELDS, URL_FIELDS } from '../../src/core/experiment/setup-fields';
import { PRESETS } from '../../src/core/experiment/config';
import { LEVELS } from '../../src/core/data/captions';
import { SCHEDULES } from '../../src/core/nn/optim';
import { FIELDS } from '../../src/app/setup-check';
import { URL_PARAMS, configFromQuery } from '../../src/app/store/url-config';
import { SETUP_OPTIONS, parseSetup } from '../../src/cli/setup-flags';

describe('the setup-field table', () => {
  it('names each field, URL key and flag once, with the values the code accepts', () => {
    for (const key of ['field', 'url'] as const) {
      const names = SETUP_FIELDS.map((f) => f[key]).filter(Boolean);
      expect(new Set(names).size, key).toBe(names.length);
    }
    expect(new Set(CLI_FIELDS.map((f) => f.cli.flag)).size).toBe(CLI_FIELDS.length);
    const kindOf = (field: string) => SETUP_FIELDS.find((f) => f.field === field)!.kind;
    expect(kindOf('schedule')).toEqual({ type: 'enum', values: SCHEDULES });
    expect(kindOf('captionLevel')).toEqual({ type: 'enum', values: LEVELS });
    expect(kindOf('preset')).toMatchObject({ values: expect.arrayContaining([...Object.keys(PRESETS), 'custom']) });
  });

  it('drives the form: its number fields in the page order, with their ranges', () => {
    expect(FIELDS.map((f) => [f.field, f.label, f.min, f.max, f.integer])).toEqual([
      ['seeds', 'Seeds', 1, 10, true],
      ['steps', 'Steps', 1, 100000, true],
      ['batchSize', 'Batch', 1, 512, true],
      ['lr', 'Learning rate', 1e-6, 1, false],
      ['warmupSteps', 'Warmup', 0, 10000, true],
      ['captionBudget', 'Caption budget', 4, 64, true],
      ['evalEvery', 'Evaluate every', 1, 10000, true],
      ['checkpointEvery', 'Checkpoint every', 0, 100000, true],
      ['mixShare', 'English share (mix arm)', 0, 0.9, false],
    ]);
    expect(FIELDS.map((f) => f.help)).toEqual(FORM_FIELDS.map((f) => f.help));
  });

  it('drives the URL: its keys in the table order, with the same ranges as the form', () => {
    expect(URL_PARAMS.map((p) => p.key)).toEqual([
      'preset',
      'arms',
      'seeds',
      'level',
      'budget',
      'steps',
      'batch',
      'lr',
      'warmup',
      'eval',
      'ckpt',
      'init',
      'mix',
    ]);
    expect(URL_PARAMS.map((p) => p.field)).toEqual(URL_FIELDS.map((f) => f.field));
    expect(configFromQuery('seeds=10', PRESETS.cpu).config.seeds).toBe(10);
    expect(configFromQuery('seeds=11', PRESETS.cpu).ignored).toEqual(['seeds=11 (expected an integer in [1, 10])']);
  });

  it('drives the CLI flags: every table flag with its help and its wider range', () => {
    for (const f of CLI_FIELDS)
      expect(SETUP_OPTIONS[f.cli.flag as keyof typeof SETUP_OPTIONS].description, f.cli.flag).toContain(f.help);
    expect(SETUP_OPTIONS.seeds.description).toMatch(/, 1 to 20$/);
    expect(
      parseSetup({ preset: 'cpu', seeds: '20', 'caption-level': 'L4', 'row-init': 'mean', 'eval-images': '0' }).cfg,
    ).toMatchObject({ seeds: 20, captionLevel: 'L4', rowInit: 'mean', evalImages: 0 });
    expect(() => parseSetup({ preset: 'cpu', seeds: '21' })).toThrow('--seeds must be an integer in [1, 20], got 21');
    expect(() => parseSetup({ preset: 'cpu', 'caption-level': 'L5' })).toThrow(
      '--caption-level must be L0, L1, L2, L3 or L4, got L5',
    );
    expect(() => parseSetup({ preset: 'cpu', 'row-init': 'zero' })).toThrow(
      '--row-init must be random, mean or aligned, got zero',
    );
  });
});
