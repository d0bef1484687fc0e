// The page's IndexedDB persistence (src/browser/persist.ts) and the worker's ExperimentStore over it
// (src/worker/browser-store.ts), on fake-indexeddb: records written in batches and read back in order, a failed batch
// reported once and written with the next, checkpoints (with the LM's tokenizer.json unless the checkpoint has its
// own) read back and counted on the run, the records a resume keeps, flags / sweep / report / prepared data round
// trips, a new run replacing the current one, and deletion of everything a run owns and nothing of another run's.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as persist from '../../src/browser/persist';
import { recordsToResume } from '../../src/core/experiment/resume-records';
import type { SweepResult } from '../../src/core/experiment/sweep';
import type { Finished } from '../../src/core/experiment/finish';
import { BrowserStore } from '../../src/worker/browser-store';
import { SaveQueue } from '../../src/worker/save-queue';

vi.mock('../../src/browser/persist', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/browser/persist')>();
  return { ...original, appendMetrics: vi.fn(original.appendMetrics) };
});

const bytes = (...b: number[]) => new Uint8Array(b);
const record = (arm: string, step: number, metric = 'train/loss') => ({
  arm,
  seed: 0,
  step,
  tokens: 64 * step,
  metric,
  value: 5 - step / 10,
});
const LM_TOKENIZER = bytes(123, 125); // "{}"
let nextRun = 0;

/** A run saved as the page saves a new one, and the worker's store for it. */
async function newRun() {
  const id = `run-${nextRun++}`;
  const meta = {
    id,
    config: {} as never,
    dataset: { kind: 'emoji' as const, style: 'twemoji' as const },
    lm: { kind: 'shipped' as const },
    backend: 'wasm',
    createdAt: 1,
  };
  await persist.saveNewRun(meta, bytes(1, 2, 3), null);
  const reports: string[] = [];
  const saves = new SaveQueue((m) => reports.push(m));
  const checkpoints: string[] = [];
  const store = new BrowserStore(
    id,
    saves,
    () => LM_TOKENIZER,
    (arm, seed, step) => checkpoints.push(`${arm}/${seed}@${step}`),
  );
  return { id, meta, store, saves, reports, checkpoints };
}

describe('BrowserStore over IndexedDB', () => {
  afterEach(() => {
    vi.mocked(persist.appendMetrics).mockClear();
  });

  it('keeps metric records in the order appended, written at flush', async () => {
    const { id, store, saves } = await newRun();
    const first = [record('pretrained', 1), record('scratch', 1)];
    const second = [record('pretrained', 2), record('scratch', 2, 'val/loss')];
    await store.appendRecords(first);
    store.flush();
    await store.appendRecords(second);
    store.flush();
    await saves.idle();
    expect(await store.readRecords()).toEqual([...first, ...second]);
    expect(await persist.loadMetrics(id)).toEqual([...first, ...second]);
    expect((await persist.loadCurrent())!.records).toEqual([...first, ...second]);
  });

  it('a failed batch is reported once, training goes on, and it is written with the next batch', async () => {
    const { store, saves, reports } = await newRun();
    vi.mocked(persist.appendMetrics).mockRejectedValueOnce(
      Object.assign(new Error('quota'), { name: 'QuotaExceededError' }),
    );
    await store.appendRecords([record('scratch', 1)]);
    store.flush();
    await saves.idle();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(
      /^Could not save the latest metrics: this browser's storage for the page is full \(quota exceeded\)/,
    );
    expect(await store.readRecords()).toEqual([]);
    await store.appendRecords([record('scratch', 2)]);
    store.flush();
    await saves.idle();
    expect(await store.readRecords()).toEqual([record('scratch', 1), record('scratch', 2)]);
    expect(reports).toHaveLength(1);
  });

  it('saves a checkpoint after the records before it, adds the LM tokenizer.json only when the checkpoint has none, and reads it back', async () => {
    const { id, store, checkpoints } = await newRun();
    await store.appendRecords([record('pretrained', 3)]); // written by now or, if still pending, before the checkpoint
    expect(await store.putCheckpoint('pretrained', 0, 3, new Map([['model.safetensors', bytes(9, 9)]]))).toBe(true);
    expect(await store.readRecords()).toEqual([record('pretrained', 3)]);
    const own = bytes(7);
    expect(
      await store.putCheckpoint(
        'scratch',
        0,
        3,
        new Map([
          ['model.safetensors', bytes(8)],
          ['tokenizer.json', own],
        ]),
      ),
    ).toBe(true);
    expect(checkpoints).toEqual(['pretrained/0@3', 'scratch/0@3']);
    const p = await store.getCheckpoint('pretrained', 0);
    expect(p).toEqual({
      files: new Map([
        ['model.safetensors', bytes(9, 9)],
        ['tokenizer.json', LM_TOKENIZER],
      ]),
      label: 'pretrained-s0',
      note: null,
    });
    expect((await store.getCheckpoint('scratch', 0))!.files.get('tokenizer.json')).toEqual(own);
    expect(await store.getCheckpoint('scratch', 1)).toBeNull();
    // A later checkpoint replaces the run's; the run's record counts the step of each.
    await store.putCheckpoint('pretrained', 0, 6, new Map([['model.safetensors', bytes(6)]]));
    expect((await persist.loadCheckpoint(id, 'pretrained', 0))!.step).toBe(6);
    expect((await persist.loadRun(id))!.checkpoints).toEqual({ 'pretrained/0': 6, 'scratch/0': 3 });
  });

  it('after close (a reset) a checkpoint still saves but the page is not told', async () => {
    const { store, checkpoints } = await newRun();
    store.close();
    expect(await store.putCheckpoint('scratch', 0, 3, new Map([['model.safetensors', bytes(1)]]))).toBe(true);
    expect(checkpoints).toEqual([]);
    expect(await store.getCheckpoint('scratch', 0)).not.toBeNull();
  });

  it('a resume keeps each run’s records up to its checkpoint and replaces the log with them', async () => {
    const { id, store, saves } = await newRun();
    const all = [1, 2, 3, 4, 5].flatMap((s) => [record('pretrained', s), record('scratch', s)]);
    await store.appendRecords(all);
    store.flush();
    await store.putCheckpoint('pretrained', 0, 3, new Map([['model.safetensors', bytes(3)]]));
    await saves.idle();
    // The page reads the run back after a reload, as the controller does, and keeps what the resume keeps.
    const current = (await persist.loadCurrent())!;
    expect(current.run.id).toBe(id);
    const kept = recordsToResume(current.records, current.run.checkpoints);
    expect(kept).toEqual([1, 2, 3].map((s) => record('pretrained', s)));
    await store.replaceRecords(kept);
    expect(await store.readRecords()).toEqual(kept);
    await store.appendRecords([record('pretrained', 4)]);
    store.flush();
    await saves.idle();
    expect(await store.readRecords()).toEqual([...kept, record('pretrained', 4)]);
  });

  it('keeps the flags, the sweep, the report and the prepared data of a run', async () => {
    const { id, store, saves } = await newRun();
    expect(await store.getFlags()).toBeNull();
    expect(await store.getSweep()).toBeNull();
    await store.putFlags({ preset: 'smoke', steps: 6, resume: false });
    const sweep = {
      lrs: [1e-3, 3e-3],
      steps: 2,
      seeds: 1,
      schedule: 'cosine',
      cells: [],
      table: [],
      best: { pretrained: 1e-3, scratch: 3e-3 },
    } as unknown as SweepResult;
    await store.putSweep(sweep);
    expect(await store.getFlags()).toEqual({ preset: 'smoke', steps: 6, resume: false });
    expect(await store.getSweep()).toEqual(sweep);
    const fin = {
      report: { verdict: 'x' },
      html: '<html></html>',
      analysis: null,
      quality: null,
      imageLossByPosition: { scratch: [1, 2] },
      records: [],
    } as unknown as Finished;
    await store.putFinished(fin);
    await saves.idle();
    expect((await persist.loadRun(id))!.finished).toEqual({
      report: { verdict: 'x' },
      html: '<html></html>',
      analysis: null,
      quality: null,
      imageLossByPosition: { scratch: [1, 2] },
    });
    const prepared = {
      data: { codes: new Int32Array([1, 2, 3]) },
      meanCaption: 7.5,
      alignedRows: [],
    } as unknown as persist.SavedPrepared;
    await persist.savePrepared(id, prepared);
    expect(await persist.loadPrepared(id)).toEqual(prepared);
  });

  it('a new run replaces the current one; deleting a run removes all it owns and nothing of another run', async () => {
    const a = await newRun();
    await a.store.appendRecords([record('scratch', 1)]);
    a.store.flush();
    await a.store.putCheckpoint('scratch', 0, 1, new Map([['model.safetensors', bytes(1)]]));
    await a.store.putFlags({ preset: 'smoke' });
    await persist.savePrepared(a.id, { data: {}, meanCaption: 1, alignedRows: [] } as unknown as persist.SavedPrepared);
    const b = await newRun(); // saveNewRun deletes the previous current run (the page keeps one)
    expect((await persist.loadCurrent())!.run.id).toBe(b.id);
    expect(await persist.loadRun(a.id)).toBeNull();
    expect(await persist.loadMetrics(a.id)).toEqual([]);
    expect(await persist.loadCheckpoint(a.id, 'scratch', 0)).toBeNull();
    expect(await a.store.getFlags()).toBeNull();
    expect(await persist.loadPrepared(a.id)).toBeNull();

    // A run that is not current, deleted, leaves the current one whole.
    const other = 'not-current';
    await persist.appendMetrics(other, [record('scratch', 9)]);
    await persist.saveCheckpoint(other, { arm: 'scratch', seed: 0, step: 9, files: [] });
    await b.store.appendRecords([record('pretrained', 1)]);
    b.store.flush();
    await b.store.putCheckpoint('pretrained', 0, 1, new Map([['model.safetensors', bytes(2)]]));
    await persist.deleteRun(other);
    expect(await persist.loadMetrics(other)).toEqual([]);
    expect(await persist.loadCheckpoint(other, 'scratch', 0)).toBeNull();
    expect((await persist.loadCurrent())!.records).toEqual([record('pretrained', 1)]);
    expect(await b.store.getCheckpoint('pretrained', 0)).not.toBeNull();

    await persist.deleteRun(b.id);
    expect(await persist.loadCurrent()).toBeNull();
    expect(await b.store.getCheckpoint('pretrained', 0)).toBeNull();
  });
});
