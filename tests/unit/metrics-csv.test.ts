// The metrics CSV contract (arm,seed,step,tokens,metric,value): written and read back exactly; bad files refused
// naming the file and line.
import { describe, expect, it } from 'vitest';
import { metricsCsv, parseMetricsCsv } from '../../src/core/experiment/metrics-csv';
import { readFileSync } from 'node:fs';
import { PRESETS } from '../../src/core/experiment/config';

describe('metrics CSV', () => {
  it('round-trips records, quoting what needs it', () => {
    const records = [
      { arm: 'pretrained', seed: 0, step: 0, tokens: 0, metric: 'val/image_loss', value: 10.171790758768717 },
      { arm: 'odd,"arm"', seed: 2, step: 15, tokens: 22800, metric: 'train/loss', value: -1.5e-7 },
    ];
    expect(parseMetricsCsv(metricsCsv(records))).toEqual(records);
  });
  it('reads the recorded cpu run', () => {
    const r = parseMetricsCsv(readFileSync('public/runs/cpu/metrics.csv', 'utf8'));
    expect(new Set(r.map((x) => x.arm))).toEqual(new Set(PRESETS.cpu.arms));
    expect(new Set(r.map((x) => x.seed))).toEqual(new Set(Array.from({ length: PRESETS.cpu.seeds }, (_, i) => i)));
    expect(Math.max(...r.map((x) => x.step))).toBe(PRESETS.cpu.steps); // the recorded run is the cpu preset
  });
  it('refuses a wrong header or a malformed row', () => {
    expect(() => parseMetricsCsv('a,b\n1,2\n', 'm.csv')).toThrow(/m\.csv: header is "a,b"/);
    expect(() =>
      parseMetricsCsv('arm,seed,step,tokens,metric,value\npretrained,0,x,0,train/loss,1\n', 'm.csv'),
    ).toThrow(/m\.csv, line 2/);
  });
});
