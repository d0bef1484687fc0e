// The setup's checks before Play: number fields parsed on commit with a message (never a silent change), the arms the
// verdict needs, the LM's context, memory; what a preset overwrites; the recorded samples read back from the HTML the
// core writes; and the worker's save queue (a failed write is reported once and nothing saved before is touched).
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/experiment/config';
import { samplesSection } from '../../src/core/experiment/html';
import { memoryLimit } from '../../src/core/experiment/memory';
import { FIELDS, parseField, presetChanges, setupProblems } from '../../src/app/setup-check';
import { parseRecordedSamples } from '../../src/app/recorded-samples';
import { SaveQueue, storageMessage } from '../../src/worker/save-queue';

const field = (name: string) => FIELDS.find((f) => f.field === name)!;
const shipped = { vocabSize: 2048, nPositions: 96, nEmbd: 128, nLayer: 4, nHead: 4, tieEmbeddings: true };

describe('number fields', () => {
  it('accept what is typed when it is in range, as typed (0.0005 stays 0.0005)', () => {
    expect(parseField('0.0005', field('lr'), 0.002)).toEqual({ ok: true, value: 0.0005 });
    expect(parseField(' 5e-4 ', field('lr'), 0.002)).toEqual({ ok: true, value: 0.0005 });
    expect(parseField('3', field('seeds'), 1)).toEqual({ ok: true, value: 3 });
  });
  it('refuse the rest with the field, the value, the range and what was kept', () => {
    expect(parseField('12', field('seeds'), 1)).toEqual({
      ok: false,
      message: 'Seeds: 12 is above the largest allowed, 10 (kept 1)',
    });
    expect(parseField('', field('lr'), 0.002)).toEqual({
      ok: false,
      message: 'Learning rate is empty: type a number from 0.000001 to 1 (kept 0.002)',
    });
    expect(parseField('2.5', field('batchSize'), 32)).toEqual({
      ok: false,
      message: 'Batch: 2.5 is not a whole number; type an integer from 1 to 512 (kept 32)',
    });
    expect(parseField('abc', field('steps'), 600)).toEqual({
      ok: false,
      message: 'Steps: “abc” is not a number; type an integer from 1 to 100000 (kept 600)',
    });
    expect(parseField('0', field('evalEvery'), 30)).toEqual({
      ok: false,
      message: 'Evaluate every: 0 is below the smallest allowed, 1 (kept 30)',
    });
  });
});

describe('setup problems', () => {
  it('refuse arms without both pretrained and scratch, naming what to tick', () => {
    expect(setupProblems({ ...PRESETS.smoke, arms: ['pretrained', 'pretrained-mix'] })).toEqual([
      'The verdict compares the pretrained and scratch arms: tick scratch (the other arms are extras).',
    ]);
    expect(setupProblems({ ...PRESETS.smoke, arms: [] })[0]).toMatch(/tick pretrained and scratch/);
    expect(setupProblems(PRESETS.smoke)).toEqual([]);
  });
  it('refuse a caption budget beyond the LM’s context (96 − 67 = 29 ids at most)', () => {
    expect(setupProblems({ ...PRESETS.smoke, captionBudget: 30 }, { lm: shipped })).toEqual([
      "Caption budget 30 + 67 other ids = 97 exceeds the LM's context of 96: lower the caption budget to 29 or less.",
    ]);
    expect(setupProblems({ ...PRESETS.smoke, captionBudget: 29 }, { lm: shipped })).toEqual([]);
  });
  it('refuse a setup too big for the backend with its estimate, and pass on field errors', () => {
    const big = { ...PRESETS.replication, batchSize: 512 };
    const [m] = setupProblems(big, { lm: shipped, limit: memoryLimit('wasm', null, null), backend: 'wasm' });
    expect(m).toMatch(
      /^This setup needs about \d+\.\d GB .* but wasm can use 4\.0 GB .*: lower the batch size, the caption budget, the seeds or the arms\.$/,
    );
    expect(
      setupProblems(PRESETS.smoke, { fieldErrors: ['Seeds: 12 is above the largest allowed, 10 (kept 1)'] }),
    ).toEqual(['Seeds: 12 is above the largest allowed, 10 (kept 1)']);
  });
});

describe('presets say what they overwrite', () => {
  it('lists each changed field with its old and new value, the caption level included', () => {
    const mine = { ...PRESETS.classroom, preset: 'custom', captionLevel: 'L4' as const, steps: 40 };
    expect(presetChanges(mine, PRESETS.classroom)).toEqual(['caption level L4 → L2', 'steps 40 → 600']);
    expect(presetChanges(PRESETS.classroom, PRESETS.classroom)).toEqual([]);
  });
});

describe('recorded samples', () => {
  it('reads back the table samplesSection writes: captions, then a row of images per source', () => {
    const url = (k: number) => `data:image/png;base64,iVBOR${k}w0KGgo=`;
    const html = `<h2>Heatmaps</h2><table><tr><td>x</td></tr></table>${samplesSection(
      ['a <red> heart', 'cat & dog'],
      [
        ['real', [url(1), url(2)]],
        ['pretrained', [url(3), url(4)]],
        ['scratch', [url(5), url(6)]],
      ],
    )}<h2>Quality</h2>`;
    expect(parseRecordedSamples(html)).toEqual({
      captions: ['a <red> heart', 'cat & dog'],
      rows: [
        { name: 'real', urls: [url(1), url(2)] },
        { name: 'pretrained', urls: [url(3), url(4)] },
        { name: 'scratch', urls: [url(5), url(6)] },
      ],
    });
    expect(parseRecordedSamples('<h2>Analysis</h2>')).toBeNull();
  });
});

describe('save queue', () => {
  const quota = () => Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });

  it('writes in order, reports a failing kind once until it succeeds again, and never throws', async () => {
    const reports: string[] = [];
    const written: string[] = [];
    const q = new SaveQueue((m) => reports.push(m));
    let full = true;
    const write = (name: string) => async () => {
      if (full && name.startsWith('ckpt')) throw quota();
      written.push(name);
    };
    const results = await Promise.all([
      q.write('metrics', 'the latest metrics', write('m1')),
      q.write('checkpoint', 'the checkpoint of scratch seed 0 at step 5', write('ckpt5')),
      q.write('checkpoint', 'the checkpoint of scratch seed 0 at step 10', write('ckpt10')),
      q.write('metrics', 'the latest metrics', write('m2')),
    ]);
    expect(results).toEqual([true, false, false, true]);
    expect(written).toEqual(['m1', 'm2']);
    expect(reports).toEqual([storageMessage('the checkpoint of scratch seed 0 at step 5', quota())]);
    expect(reports[0]).toBe(
      "Could not save the checkpoint of scratch seed 0 at step 5: this browser's storage for the page is full (quota exceeded). Training goes on and what was saved before is kept, but a reload restores only that. Free space (remove other sites’ data or old runs) to save again.",
    );
    expect(q.failingKinds()).toEqual(['checkpoint']);
    full = false;
    await q.write('checkpoint', 'the checkpoint of scratch seed 0 at step 15', write('ckpt15'));
    expect(q.failingKinds()).toEqual([]);
    expect(written).toEqual(['m1', 'm2', 'ckpt15']);
  });
  it('names other refusals by their message', () => {
    expect(storageMessage('the report', new Error('The database connection is closing.'))).toBe(
      'Could not save the report: the browser refused the write (The database connection is closing.). Training goes on and what was saved before is kept, but a reload restores only that.',
    );
  });
});
