/**
 * IndexedDB (idb) persistence of runs, shared by the page and the worker. The page creates a run (its setup, and a
 * dropped dataset zip or picked LM folder so it can be prepared again) and reads it back after a reload; the worker
 * writes everything that streams — metric batches, each run's latest resumable checkpoint, the finished report — so
 * no large copy crosses the page's main thread while training — and the prepared data (image codes, caption and
 * English ids) of a run, so resuming it does not prepare again, and its setup flags and LR sweep (browser-store.ts).
 * Measured speeds per backend feed the ETA.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ExperimentConfig } from '../core/experiment/config';
import type { ExperimentData } from '../core/experiment/data';
import type { AlignedRows } from '../core/experiment/prepare';
import type { DatasetChoice, Finished, LmChoice, MetricRecord } from '../worker/protocol';

/** A run's resumable state (resume.ts files), as the worker saves it in IndexedDB. */
export interface SavedCheckpoint {
  arm: string;
  seed: number;
  step: number;
  files: [string, Uint8Array][];
}

export interface RunMeta {
  id: string;
  config: ExperimentConfig;
  dataset: DatasetChoice;
  lm: LmChoice;
  backend: string;
  createdAt: number;
}

export interface StoredRun {
  id: string;
  meta: RunMeta;
  finished: Finished | null;
  /** Checkpointed step per run key ("arm/seed"). */
  checkpoints: Record<string, number>;
  /** A bring-your-own dataset's zip, and a picked LM folder's files (kept when under LM_LIMIT). */
  datasetZip: Uint8Array | null;
  lmFiles: [string, Uint8Array][] | null;
}

/** What a run's preparation produced (kept so that resuming the run skips it). */
export interface SavedPrepared {
  data: ExperimentData;
  meanCaption: number;
  alignedRows: AlignedRows;
}

interface Schema extends DBSchema {
  runs: { key: string; value: StoredRun };
  metrics: { key: number; value: { runId: string; records: MetricRecord[] }; indexes: { runId: string } };
  checkpoints: { key: string; value: SavedCheckpoint & { runId: string } };
  kv: { key: string; value: unknown };
  prepared: { key: string; value: SavedPrepared };
}

export const DB_NAME = 'tabula-rasa';
const LM_LIMIT = 256 * 2 ** 20;
let db: Promise<IDBPDatabase<Schema>> | null = null;

function open(): Promise<IDBPDatabase<Schema>> {
  db ??= openDB<Schema>(DB_NAME, 2, {
    upgrade(d, oldVersion) {
      if (oldVersion < 1) {
        d.createObjectStore('runs', { keyPath: 'id' });
        d.createObjectStore('metrics', { autoIncrement: true }).createIndex('runId', 'runId');
        d.createObjectStore('checkpoints');
        d.createObjectStore('kv');
      }
      if (oldVersion < 2) d.createObjectStore('prepared');
    },
  });
  // A failed open (storage disabled, a blocked upgrade) is not kept: the next call tries again.
  db.catch(() => (db = null));
  return db;
}

const ckptKey = (runId: string, arm: string, seed: number) => `${runId}/${arm}/${seed}`;

/** A new current run (the previous one is deleted: the page keeps one run besides the recorded reference). */
export async function saveNewRun(
  meta: RunMeta,
  datasetZip: Uint8Array | null,
  lmFiles: [string, Uint8Array][] | null,
): Promise<void> {
  const d = await open();
  const old = (await d.get('kv', 'current')) as string | undefined;
  if (old) await deleteRun(old);
  const lmBytes = lmFiles?.reduce((s, [, b]) => s + b.length, 0) ?? 0;
  await d.put('runs', {
    id: meta.id,
    meta,
    finished: null,
    checkpoints: {},
    datasetZip,
    lmFiles: lmBytes <= LM_LIMIT ? lmFiles : null,
  });
  await d.put('kv', meta.id, 'current');
}

export async function appendMetrics(runId: string, records: MetricRecord[]): Promise<void> {
  if (records.length) await (await open()).add('metrics', { runId, records });
}

/** All of a run's records, in the order they were written. */
export async function loadMetrics(runId: string): Promise<MetricRecord[]> {
  return (await (await open()).getAllFromIndex('metrics', 'runId', runId)).flatMap((b) => b.records);
}

/** Replace a run's records (a resumed run drops what it will redo). */
export async function replaceMetrics(runId: string, records: MetricRecord[]): Promise<void> {
  const d = await open();
  const tx = d.transaction('metrics', 'readwrite');
  for (const key of await tx.store.index('runId').getAllKeys(runId)) await tx.store.delete(key);
  await tx.store.add({ runId, records });
  await tx.done;
}

export async function saveCheckpoint(runId: string, c: SavedCheckpoint): Promise<void> {
  const d = await open();
  const tx = d.transaction(['checkpoints', 'runs'], 'readwrite');
  await tx.objectStore('checkpoints').put({ ...c, runId }, ckptKey(runId, c.arm, c.seed));
  const run = await tx.objectStore('runs').get(runId);
  if (run)
    await tx.objectStore('runs').put({ ...run, checkpoints: { ...run.checkpoints, [`${c.arm}/${c.seed}`]: c.step } });
  await tx.done;
}

export async function loadCheckpoint(runId: string, arm: string, seed: number): Promise<SavedCheckpoint | null> {
  const c = await (await open()).get('checkpoints', ckptKey(runId, arm, seed));
  if (!c) return null;
  const { runId: _r, ...rest } = c;
  return rest;
}

export async function saveFinished(runId: string, finished: Finished): Promise<void> {
  const d = await open();
  const tx = d.transaction('runs', 'readwrite');
  const r = await tx.store.get(runId);
  if (r) await tx.store.put({ ...r, finished });
  await tx.done;
}

export async function savePrepared(runId: string, p: SavedPrepared): Promise<void> {
  await (await open()).put('prepared', p, runId);
}

export async function loadPrepared(runId: string): Promise<SavedPrepared | null> {
  return (await (await open()).get('prepared', runId)) ?? null;
}

/**
 * What the lifecycle keeps of a run besides records and checkpoints (the flags that define it, its LR sweep), and
 * what the page showed of it (its latest heatmap and samples: src/app/shown-state.ts).
 */
export type RunValue = 'flags' | 'sweep' | 'shown';
const RUN_VALUES: RunValue[] = ['flags', 'sweep', 'shown'];

export async function setRunValue(runId: string, name: RunValue, value: unknown): Promise<void> {
  await (await open()).put('kv', value, `${name}:${runId}`);
}

export async function getRunValue(runId: string, name: RunValue): Promise<unknown> {
  return (await (await open()).get('kv', `${name}:${runId}`)) ?? null;
}

export async function loadRun(runId: string): Promise<StoredRun | null> {
  return (await (await open()).get('runs', runId)) ?? null;
}

/** The current run and its records (checkpoint files stay in the database; the worker reads them). */
export async function loadCurrent(): Promise<{ run: StoredRun; records: MetricRecord[] } | null> {
  const d = await open();
  const id = (await d.get('kv', 'current')) as string | undefined;
  const run = id ? await d.get('runs', id) : undefined;
  if (!id || !run) return null;
  return { run, records: await loadMetrics(id) };
}

export async function deleteRun(id: string): Promise<void> {
  const d = await open();
  const tx = d.transaction(['runs', 'metrics', 'checkpoints', 'kv', 'prepared'], 'readwrite');
  await tx.objectStore('runs').delete(id);
  await tx.objectStore('prepared').delete(id);
  for (const key of await tx.objectStore('metrics').index('runId').getAllKeys(id))
    await tx.objectStore('metrics').delete(key);
  await tx.objectStore('checkpoints').delete(IDBKeyRange.bound(`${id}/`, `${id}/\uffff`));
  for (const name of RUN_VALUES) await tx.objectStore('kv').delete(`${name}:${id}`);
  if ((await tx.objectStore('kv').get('current')) === id) await tx.objectStore('kv').delete('current');
  await tx.done;
}

/** Tokens per second last measured on a backend (for the ETA before a run). */
export async function getSpeed(backend: string): Promise<number | null> {
  return ((await (await open()).get('kv', `speed:${backend}`)) as number | undefined) ?? null;
}

export async function setSpeed(backend: string, tokensPerSecond: number): Promise<void> {
  await (await open()).put('kv', tokensPerSecond, `speed:${backend}`);
}
