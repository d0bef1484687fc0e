/**
 * One writer per run folder. `acquireRunLock(dir)` creates `dir/.run.lock` — `{pid, host, startedAt, command}` —
 * atomically (written to a temporary file, then hard-linked into place, which fails if the lock exists), after
 * checking that the folder can be written at all (a write probe, so a read-only --out or a full disk is said before
 * any preparation). A lock held by a live process is refused naming it; one whose process is gone (same host, pid no
 * longer running or a zombie, or running but started after the lock was taken: a reused pid) is stale and taken over with a
 * message. The lock is removed when the process exits. scale/train.py keeps the same file in the same format.
 * `diskErrorMessage` turns ENOSPC/EDQUOT/EROFS/EACCES from anywhere a run writes into one line naming the folder.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.run.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  command: string;
}

/** Thrown when the folder is another live process's; the entry point exits 1 with the message. */
export class RunLocked extends Error {}

const FULL = new Set(['ENOSPC', 'EDQUOT']);
const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM']);

/**
 * One line for a failed write in a run folder, or null when `e` is not a disk error: a full disk says to free space
 * and continue with --resume (`resume` false: run the command again), a read-only folder says to give another.
 */
export function diskErrorMessage(e: unknown, dir: string, resume = true): string | null {
  const err = e as NodeJS.ErrnoException;
  const where = err?.path ? ` writing ${err.path}` : '';
  if (FULL.has(err?.code ?? ''))
    return `no space left on the disk of ${dir} (${err.code}${where}): free space and ${resume ? 'continue with --resume' : 'run the command again'}`;
  const why: Record<string, string> = {
    EROFS: 'a read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
  };
  if (READ_ONLY.has(err?.code ?? ''))
    return `${dir} cannot be written (${err.code}: ${why[err.code!]}${where}): give a writable --out${resume ? ', or make it writable and continue with --resume' : ''}`;
  return null;
}

let lockedDir: string | null = null;
let lockedResumes = true;

/** diskErrorMessage for the run folder this process holds the lock of (runCli's last resort for a failed write), else null. */
export function runFolderDiskError(e: unknown): string | null {
  return lockedDir === null ? null : diskErrorMessage(e, lockedDir, lockedResumes);
}

/** Whether `pid` on this host is a running process that started before `since` (ms), as far as this OS tells. */
function alive(pid: number, since: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
  // A killed holder not yet reaped by its parent (a zombie) is gone: it writes nothing more.
  if (processState(pid) === 'Z' || processState(pid) === 'X') return false;
  // A pid reused by a process started after the lock was taken is not the holder.
  const started = processStart(pid);
  return started === null || started <= since + 2000;
}

/** The state letter of `pid` in Linux's /proc/<pid>/stat (R, S, D, Z for a zombie …); null elsewhere. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/** When `pid` started (ms since the epoch), from Linux's /proc (boot time + field 22 of /proc/<pid>/stat, in 1/100 s); null elsewhere. */
function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(btime) ? btime * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

const describe = (h: LockHolder) =>
  `pid ${h.pid} on ${h.host}, started ${h.startedAt}${h.command ? ` (${h.command})` : ''}`;

/**
 * Take `dir`'s run lock (creating `dir`), or throw: RunLocked naming the holder when a live process has it; an Error
 * from diskErrorMessage when the folder cannot be written. `log` is told when a stale lock is taken over. The lock is
 * released at process exit; the returned function releases it sooner. `resumable` false (npm run export): a disk
 * error says to run the command again rather than to continue with --resume. `advice` ends the refusal (what this
 * command's user should do while the holder runs; replicate's default: wait or give another --out).
 */
export function acquireRunLock(
  dir: string,
  command: string,
  log: (s: string) => void = console.log,
  resumable = true,
  advice = 'wait for it to finish or give another --out',
): () => void {
  lockedDir = dir;
  lockedResumes = resumable;
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command };
  const tmp = join(dir, `.run.lock.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify(me) + '\n'); // the write probe: a read-only or full disk fails here
  } catch (e) {
    const said = diskErrorMessage(e, dir, resumable);
    throw new Error(said ?? `${dir}: cannot be used as the run folder (${(e as Error).message})`, { cause: e });
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
      }
      const h = readHolder(path);
      if (h && h.pid === process.pid && h.host === me.host) break;
      if (h && (h.host !== me.host || alive(h.pid, Date.parse(h.startedAt))))
        throw new RunLocked(
          `${dir} is in use by another run: ${describe(h)}; ${advice}${h.host !== me.host ? ` (if that process is gone, delete ${path})` : ''}`,
        );
      log(
        h
          ? `${dir}: taking over the lock of a run that is no longer running (${describe(h)})`
          : `${dir}: taking over an unreadable lock file (${path})`,
      );
      unlinkSync(path);
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
  const release = () => {
    const h = readHolder(path);
    if (h && h.pid === me.pid && h.startedAt === me.startedAt) {
      try {
        unlinkSync(path);
      } catch {
        /* the folder went away */
      }
    }
  };
  process.once('exit', release);
  return release;
}
