// Runs as TensorBoard event files (issue 25): the TFRecord framing and the Event protobuf checked byte by byte against
// hand-computed values (CRC32C's check value for "123456789" is 0xE3069283, RFC 3720 B.4), `npm run to-tensorboard`
// end to end, and — where Python has tensorboard (SCALE_PYTHON, default python3; else skipped with the reason) —
// tensorboard's own EventAccumulator reading back every value of metrics.csv (as float32), its step and wall time.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { metricsCsv, parseMetricsCsv } from '../../src/core/experiment/metrics-csv';
import type { MetricRecord } from '../../src/core/experiment/runner';
import { encodeEvent, maskedCrc32c, tensorboardFiles, tfRecord } from '../../src/core/experiment/tensorboard';

const run = promisify(execFile);
const PY = process.env.SCALE_PYTHON ?? 'python3';
const pyCheck = spawnSync(PY, ['-c', 'import tensorboard.backend.event_processing.event_accumulator'], {
  encoding: 'utf8',
});
const WHY = `${PY} cannot import tensorboard (${(pyCheck.stderr ?? String(pyCheck.error ?? '')).trim().split('\n').pop()}); set SCALE_PYTHON to a python with tensorboard to run this check`;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let dir = '';
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

/** Two arms × two seeds, three steps, a training and an evaluation metric, distinct wall times. */
const RECORDS: MetricRecord[] = ['pretrained', 'scratch'].flatMap((arm, a) =>
  [0, 1].flatMap((seed) =>
    [1, 2, 3].flatMap((step) => [
      {
        arm,
        seed,
        step,
        tokens: 40 * step,
        metric: 'train/loss',
        value: 6 - step / 3 - a / 7 + seed / 11,
        wallTime: 1_764_000_000 + 10 * step + seed / 4 + a,
      },
      ...(step === 3
        ? [
            {
              arm,
              seed,
              step,
              tokens: 120,
              metric: 'val/image_loss',
              value: Math.PI + a + seed,
              wallTime: 1_764_000_031.5 + a,
            },
          ]
        : []),
    ]),
  ),
);

describe('TFRecord framing and the Event protobuf', () => {
  it('masks CRC32C as record_writer.cc does', () => {
    // crc32c("123456789") = 0xE3069283; ((c >>> 15) | (c << 17)) + 0xa282ead8 = 0x2507C60D + 0xA282EAD8 = 0xC78AB0E5
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe(0xc78ab0e5);
  });

  it('encodes an Event with a scalar as the protobuf wire format, and frames it', () => {
    const e = encodeEvent({ wallTime: 1.5, step: 3, scalars: [['a', 2]] });
    // 09 <1.5 double> | 10 03 (step 3) | 2a 0a (summary, 10 bytes) → 0a 08 (value, 8 bytes) → 0a 01 61 (tag "a") 15 <2.0 float>
    expect(hex(e)).toBe('09000000000000f83f' + '1003' + '2a0a' + '0a08' + '0a0161' + '1500000040');
    const rec = tfRecord(e);
    expect(rec.length).toBe(12 + 23 + 4);
    expect(hex(rec.subarray(0, 8))).toBe('1700000000000000'); // 23, uint64 little-endian
    const u32 = (at: number) => new DataView(rec.buffer, rec.byteOffset).getUint32(at, true);
    expect(u32(8)).toBe(maskedCrc32c(rec.subarray(0, 8)));
    expect(hex(rec.subarray(12, 35))).toBe(hex(e));
    expect(u32(35)).toBe(maskedCrc32c(e));
    expect(hex(encodeEvent({ wallTime: 0, step: 0, fileVersion: 'brain.Event:2' }))).toBe(
      '090000000000000000' + '1a0d' + hex(new TextEncoder().encode('brain.Event:2')),
    );
  });

  it('writes one file per arm and seed, first the file version, then the records in step order', () => {
    const files = tensorboardFiles(RECORDS, 0);
    expect([...files.keys()].map((k) => k.replace(/\/events.*/, ''))).toEqual([
      'pretrained/s0',
      'pretrained/s1',
      'scratch/s0',
      'scratch/s1',
    ]);
    expect([...files.keys()][0]).toBe('pretrained/s0/events.out.tfevents.1764000010.tabula-rasa');
    const bytes = [...files.values()][0];
    const first = encodeEvent({ wallTime: 1_764_000_010, step: 0, fileVersion: 'brain.Event:2' });
    expect(hex(bytes.subarray(12, 12 + first.length))).toBe(hex(first));
    expect(() => tensorboardFiles([{ ...RECORDS[0], arm: '../x' }], 0)).toThrow(
      'arm name "../x" cannot name a run folder',
    );
  });
});

describe('metrics.csv wall_time', () => {
  it('is written when records carry it, read back, and older files without it still read', () => {
    const text = metricsCsv(RECORDS.slice(0, 2));
    expect(text.split('\n')[0]).toBe('arm,seed,step,tokens,metric,value,wall_time');
    expect(parseMetricsCsv(text)).toEqual(RECORDS.slice(0, 2));
    const old = 'arm,seed,step,tokens,metric,value\npretrained,0,1,40,train/loss,5.5\n';
    expect(parseMetricsCsv(old)).toEqual([
      { arm: 'pretrained', seed: 0, step: 1, tokens: 40, metric: 'train/loss', value: 5.5 },
    ]);
    expect(() =>
      parseMetricsCsv('arm,seed,step,tokens,metric,value,wall_time\na,0,1,4,m,1,yesterday\n', 'm.csv'),
    ).toThrow('m.csv, line 2: wall_time "yesterday" is not seconds since the epoch');
    expect(() => parseMetricsCsv('arm,seed,step,tokens,metric,value,wall_time\na,0,1,4,m,1\n', 'm.csv')).toThrow(
      /m\.csv, line 2: 6 fields but the header has 7 \(arm,seed,step,tokens,metric,value,wall_time\)/,
    );
  });
});

describe('npm run to-tensorboard', () => {
  it("converts a run folder; tensorboard's EventAccumulator reads the values, steps and wall times of metrics.csv", async (ctx) => {
    dir ||= await mkdtemp(join(tmpdir(), 'tb-'));
    await writeFile(join(dir, 'metrics.csv'), metricsCsv(RECORDS));
    const r = await run('node', ['--import', 'tsx', 'src/cli/to-tensorboard.ts', dir, '--out', join(dir, 'tb')]);
    expect(r.stdout).toContain(
      `to-tensorboard: ${RECORDS.length} values, 2 tags, 4 run(s) (pretrained/s0, pretrained/s1, scratch/s0, scratch/s1)`,
    );
    expect(readdirSync(join(dir, 'tb', 'scratch', 's1'))).toEqual(['events.out.tfevents.1764000011.tabula-rasa']);
    if (pyCheck.status !== 0) ctx.skip(WHY);
    const script = [
      'import json, sys',
      'from tensorboard.backend.event_processing.event_accumulator import EventAccumulator',
      'out = {}',
      'for run in ["pretrained/s0", "pretrained/s1", "scratch/s0", "scratch/s1"]:',
      '    acc = EventAccumulator(sys.argv[1] + "/" + run); acc.Reload()',
      '    out[run] = {tag: [[e.step, e.wall_time, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}',
      'print(json.dumps(out))',
    ].join('\n');
    const py = spawnSync(PY, ['-c', script, join(dir, 'tb')], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const got = JSON.parse(py.stdout) as Record<string, Record<string, [number, number, number][]>>;
    const want: Record<string, Record<string, [number, number, number][]>> = {};
    for (const rec of RECORDS)
      ((want[`${rec.arm}/s${rec.seed}`] ??= {})[rec.metric] ??= []).push([
        rec.step,
        rec.wallTime!,
        Math.fround(rec.value),
      ]);
    expect(got).toEqual(want);
  });

  it("an older metrics.csv gets the file's time and says so; bad input is one line", async () => {
    dir ||= await mkdtemp(join(tmpdir(), 'tb-'));
    await writeFile(join(dir, 'old.csv'), 'arm,seed,step,tokens,metric,value\npretrained,0,1,40,train/loss,5.5\n');
    const r = await run('node', [
      '--import',
      'tsx',
      'src/cli/to-tensorboard.ts',
      join(dir, 'old.csv'),
      '--out',
      join(dir, 'tb-old'),
    ]);
    expect(r.stdout).toContain('1 of 1 records have no wall_time (an older metrics.csv)');
    expect(
      readFileSync(join(dir, 'tb-old', 'pretrained', 's0', readdirSync(join(dir, 'tb-old', 'pretrained', 's0'))[0]))
        .length,
    ).toBeGreaterThan(40);
    const fail = (args: string[]) =>
      run('node', ['--import', 'tsx', 'src/cli/to-tensorboard.ts', ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (e) => e as { code: number; stderr: string },
      );
    const noOut = await fail([dir]);
    expect([noOut.code, noOut.stderr.trim()]).toEqual([
      2,
      'to-tensorboard: usage: npm run to-tensorboard -- RUN --out DIR (RUN: a run folder with metrics.csv, or a metrics.csv)',
    ]);
    await writeFile(join(dir, 'bad.csv'), 'step,value\n1,2\n');
    const bad = await fail([join(dir, 'bad.csv'), '--out', join(dir, 'x')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      `to-tensorboard: ${join(dir, 'bad.csv')}: header is "step,value", expected arm,seed,step,tokens,metric,value (optionally followed by ,wall_time); it should be a metrics.csv written by npm run replicate, the page or scale/train.py`,
    ]);
  });
});
