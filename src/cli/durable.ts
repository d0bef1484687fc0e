/**
 * Writes that survive a kill at any instant (and, with fsync, a crash of the machine): a file replaced as a whole
 * (temporary file, fsync, rename, fsync of its folder), records appended and synced, and a checkpoint folder replaced
 * as a whole. A run folder's order of writes rests on these: a checkpoint is renamed into place only after the
 * records up to its step are on the disk (core/experiment/lifecycle.ts). Each step passes a kill point
 * (kill-points.ts) so the crash-consistency test can stop the process there.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { killPoint } from './kill-points';
import { processState } from './run-lock';

const bytesOf = (data: Uint8Array | string) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

/** Write `bytes` to `path` (created or truncated, per `flags`) and fsync it before closing. */
function writeSynced(path: string, bytes: Uint8Array, flags: 'w' | 'a' = 'w'): void {
  const fd = openSync(path, flags);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a folder, so the renames in it are on the disk (a no-op where the OS cannot open folders, e.g. Windows). */
function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* not supported for folders here */
  } finally {
    closeSync(fd);
  }
}

/** Write one file so that it is either the old or the new content, never half of it: a temporary file, fsync, then rename. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = bytesOf(data);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  killPoint(`write:${basename(path)}`, () => writeSynced(tmp, bytes.subarray(0, bytes.length >> 1)));
  writeSynced(tmp, bytes);
  renameSync(tmp, path);
  syncDir(dirname(path));
  killPoint(`wrote:${basename(path)}`);
}

/** Append `data` to `path` and fsync it. A kill inside leaves a cut last line, which readers drop (resume-args.ts readPartialMetrics). */
export function appendSynced(path: string, data: string): void {
  const bytes = bytesOf(data);
  if (!bytes.length) return;
  killPoint(`append:${basename(path)}`, () => writeSynced(path, bytes.subarray(0, bytes.length >> 1), 'a'));
  writeSynced(path, bytes, 'a');
}

/**
 * Replace a checkpoint directory as a whole: the files go to `<dir>.partial` (each synced), the old directory is
 * moved to `<dir>.old`, the new one into place, and the old one deleted. A kill at any moment leaves either `<dir>`
 * complete, or no `<dir>` and a complete `<dir>.old` — which completeCheckpointDir takes — never new weights beside
 * old moments.
 */
export function replaceDirAtomic(dir: string, files: Map<string, Uint8Array>): void {
  const partial = `${dir}.partial`;
  const old = `${dir}.old`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const [name, bytes] of files) {
    killPoint('checkpoint:file', () => writeSynced(join(partial, name), bytes.subarray(0, bytes.length >> 1)));
    writeSynced(join(partial, name), bytes);
  }
  syncDir(partial);
  if (existsSync(dir)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(dir, old);
    killPoint('checkpoint:moved-old');
  }
  renameSync(partial, dir);
  syncDir(dirname(dir));
  killPoint('checkpoint:placed');
  rmSync(old, { recursive: true, force: true });
}

/** The directory replaceDirAtomic left complete: `dir`, else `<dir>.old` after a kill between its two renames; null when neither. */
export function completeCheckpointDir(dir: string): string | null {
  if (existsSync(dir)) return dir;
  if (existsSync(`${dir}.old`)) return `${dir}.old`;
  return null;
}

/**
 * True when no process `pid` runs on this machine (ESRCH), or it is a killed process its parent has not reaped (a
 * zombie, as run-lock.ts counts it: it writes nothing more); a process of another user counts as running.
 */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const state = processState(pid);
  return state === 'Z' || state === 'X';
}

/**
 * Delete the temporary files writeFileAtomic left in `dir` when its process was killed before the rename
 * (`.<name>.tmp-<pid>` of a pid no longer running); the files they were to replace are whole. Returns their names.
 */
export function removeDeadTemps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const dead = readdirSync(dir).filter((f) => {
    const m = /^\..+\.tmp-(\d+)$/.exec(f);
    return m !== null && Number(m[1]) !== process.pid && gone(Number(m[1]));
  });
  for (const f of dead) rmSync(join(dir, f), { force: true });
  return dead;
}

/**
 * Delete what replaceDirAtomic leaves in `parent` when killed: a `<run>.partial` folder (a save that never finished)
 * and a `<run>.old` folder beside a whole `<run>` (killed after the new one was placed). Only for the holder of the
 * folder's run lock (run-lock.ts), before it saves. Returns the names deleted.
 */
export function removeDeadSaves(parent: string): string[] {
  if (!existsSync(parent)) return [];
  const dead = readdirSync(parent).filter(
    (f) => f.endsWith('.partial') || (f.endsWith('.old') && existsSync(join(parent, f.slice(0, -'.old'.length)))),
  );
  for (const f of dead) rmSync(join(parent, f), { recursive: true, force: true });
  return dead;
}
