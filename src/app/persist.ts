/**
 * IndexedDB (idb) persistence: the current run's setup, every metric batch, each run's latest resumable checkpoint,
 * the finished report, and what is needed to prepare the run again (a dropped dataset zip, a picked LM folder), so
 * a reload restores the page and an interrupted run resumes from its last checkpoint. Measured speeds per backend
 * are kept for the ETA before a run.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Finished, MetricRecord, SavedCheckpoint } from '../worker/protocol';
import type { RunMeta } from './store/runs';

interface StoredRun {
  id: string;
  meta: RunMeta;
  finished: Finished | null;
  /** A bring-your-own dataset's zip, and a picked LM folder's files (kept when under LM_LIMIT). */
  datasetZip: Uint8Array | null;
  lmFiles: [string, Uint8Array][] | null;
}

interface Schema extends DBSchema {
  runs: { key: string; value: StoredRun };
  metrics: { key: number; value: { runId: string; records: MetricRecord[] }; indexes: { runId: string } };
  checkpoints: { key: string; value: SavedCheckpoint & { runId: string } };
  kv: { key: string; value: unknown };
}

export const DB_NAME = 'tabula-rasa';
const LM_LIMIT = 256 * 2 ** 20;
let db: Promise<IDBPDatabase<Schema>> | null = null;

function open(): Promise<IDBPDatabase<Schema>> {
  db ??= openDB<Schema>(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('runs', { keyPath: 'id' });
      d.createObjectStore('metrics', { autoIncrement: true }).createIndex('runId', 'runId');
      d.createObjectStore('checkpoints');
      d.createObjectStore('kv');
    },
  });
  return db;
}

/** A new current run (the previous one is deleted: the page keeps one run and its recorded reference). */
export async function saveNewRun(meta: RunMeta, datasetZip: Uint8Array | null, lmFiles: [string, Uint8Array][] | null): Promise<void> {
  const d = await open();
  const old = (await d.get('kv', 'current')) as string | undefined;
  if (old) await deleteRun(old);
  const lmBytes = lmFiles?.reduce((s, [, b]) => s + b.length, 0) ?? 0;
  await d.put('runs', { id: meta.id, meta, finished: null, datasetZip, lmFiles: lmBytes <= LM_LIMIT ? lmFiles : null });
  await d.put('kv', meta.id, 'current');
}

export async function appendMetrics(runId: string, records: MetricRecord[]): Promise<void> {
  if (records.length) await (await open()).add('metrics', { runId, records });
}

export async function saveCheckpoint(runId: string, c: SavedCheckpoint): Promise<void> {
  await (await open()).put('checkpoints', { ...c, runId }, `${runId}/${c.arm}/${c.seed}`);
}

export async function saveFinished(runId: string, finished: Finished): Promise<void> {
  const d = await open();
  const r = await d.get('runs', runId);
  if (r) await d.put('runs', { ...r, finished });
}

export interface Restored {
  run: StoredRun;
  records: MetricRecord[];
  checkpoints: SavedCheckpoint[];
}

export async function loadCurrent(): Promise<Restored | null> {
  const d = await open();
  const id = (await d.get('kv', 'current')) as string | undefined;
  if (!id) return null;
  const run = await d.get('runs', id);
  if (!run) return null;
  const batches = await d.getAllFromIndex('metrics', 'runId', id);
  const checkpoints = (await d.getAll('checkpoints')).filter((c) => c.runId === id).map(({ runId: _r, ...c }) => c);
  return { run, records: batches.flatMap((b) => b.records), checkpoints };
}

export async function deleteRun(id: string): Promise<void> {
  const d = await open();
  const tx = d.transaction(['runs', 'metrics', 'checkpoints', 'kv'], 'readwrite');
  await tx.objectStore('runs').delete(id);
  for (const key of await tx.objectStore('metrics').index('runId').getAllKeys(id)) await tx.objectStore('metrics').delete(key);
  for (const key of await tx.objectStore('checkpoints').getAllKeys()) if (String(key).startsWith(`${id}/`)) await tx.objectStore('checkpoints').delete(key);
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
