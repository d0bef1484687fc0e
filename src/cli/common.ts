// Shared pieces of the Node entry points: a directory as a FileSource, flag parsing and checks that name the flag, the machine in one line,
// atomic file and checkpoint-directory writes, and one-line failures without stack traces or control characters.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import os from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BackendName } from '../core/backend';
import type { FileSource } from '../core/checkpoint/source';
import { runFolderDiskError } from './run-lock';

/** Thrown for bad user input; the entry point prints its message alone and exits non-zero. */
export class UsageError extends Error {}

/** The machine a run ran on, in one line for a report's meta: CPU model × logical cores, memory, OS, Node. */
export function machineFacts(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`;
}

export async function dirSource(dir: string): Promise<FileSource> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new UsageError(`${dir}: no such directory`);
  }
  if (!isDir) throw new UsageError(`${dir}: not a directory (pass the checkpoint folder holding config.json and model.safetensors)`);
  return {
    label: dir.replace(/\/+$/, ''),
    read: async (file) => {
      try {
        return new Uint8Array(await readFile(join(dir, file)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new UsageError(`${join(dir, file)}: cannot be read (${(e as Error).message})`);
      }
    },
  };
}

/** An integer flag within [lo, hi], or a UsageError naming the flag. */
export function intArg(v: string | undefined, name: string, lo: number, hi: number): number {
  const n = v === undefined || v.trim() === '' ? NaN : Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`--${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  return n;
}

/** `parseArgs` (strict: unknown flags and missing values refused) with its errors as UsageErrors that end with `usage`. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(options: T, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; ${usage}`);
  }
}

/** The backends a Node entry point can run on. */
export const NODE_BACKENDS = ['wasm', 'cpu', 'webgpu'] as const satisfies readonly BackendName[];

/** A --backend value, refused unless it is one of NODE_BACKENDS (a typo must not fall through to wasm). */
export function backendArg(v: string | undefined, name = 'backend'): BackendName {
  if (!(NODE_BACKENDS as readonly string[]).includes(v ?? '')) throw new UsageError(`--${name} must be ${NODE_BACKENDS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as BackendName;
}

/** A --seed value: an integer in [0, 2³¹ − 1]. */
export function seedArg(v: string | undefined, name = 'seed'): number {
  return intArg(v, name, 0, 2 ** 31 - 1);
}

/** A finite number in (lo, hi] (lo exclusive: a learning rate of 0 trains nothing), or a UsageError naming the flag. */
export function numberArg(v: string | undefined, name: string, lo: number, hi: number): number {
  const n = v === undefined || v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n <= lo || n > hi) throw new UsageError(`--${name} must be a number in (${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return n;
}

/** Write one file so that it is either the old or the new content, never half of it: a temporary file, then rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/**
 * Replace a checkpoint directory as a whole: the files go to `<dir>.partial`, the old directory is moved to
 * `<dir>.old`, the new one into place, and the old one deleted. A kill at any moment leaves either `<dir>` complete,
 * or no `<dir>` and a complete `<dir>.old` — which readCheckpointDir takes — never new weights beside old moments.
 */
export function replaceDirAtomic(dir: string, files: Map<string, Uint8Array>): void {
  const partial = `${dir}.partial`;
  const old = `${dir}.old`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(partial, name), bytes);
  if (existsSync(dir)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(dir, old);
  }
  renameSync(partial, dir);
  rmSync(old, { recursive: true, force: true });
}

/** The directory replaceDirAtomic left complete: `dir`, else `<dir>.old` after a kill between its two renames; null when neither. */
export function completeCheckpointDir(dir: string): string | null {
  if (existsSync(dir)) return dir;
  if (existsSync(`${dir}.old`)) return `${dir}.old`;
  return null;
}

/** Control characters of a message shown as escapes (\r, \u001b…), so a file's bytes cannot garble the terminal. */
export function escapeControls(msg: string): string {
  const short: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return msg.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => short[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Run `main`, turning any error into one line on stderr and exit code 1 (2 for usage errors). */
export function runCli(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      // A full or read-only disk while a run writes its folder: the folder and what to do, not a bare ENOSPC.
      const msg = runFolderDiskError(e) ?? (e instanceof Error ? e.message : String(e));
      process.stderr.write(`${name}: ${escapeControls(msg.split('\n')[0])}\n`);
      process.exit(e instanceof UsageError ? 2 : 1);
    },
  );
}

/** Ids from a file: a JSON array of integers, or integers separated by whitespace or commas. */
export function parseIds(text: string, file: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`${file}: the file is empty; expected token ids (a JSON array or whitespace-separated integers)`);
  let values: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      values = JSON.parse(trimmed) as unknown[];
    } catch (e) {
      throw new UsageError(`${file}: not a valid JSON array of ids (${(e as Error).message})`);
    }
    if (!Array.isArray(values)) throw new UsageError(`${file}: expected a JSON array of ids`);
  } else {
    values = trimmed.split(/[\s,]+/).map((s) => (/^-?\d+$/.test(s) ? Number(s) : s));
  }
  const bad = values.findIndex((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0);
  if (bad >= 0) throw new UsageError(`${file}: entry ${bad + 1} (${JSON.stringify(values[bad])}) is not a non-negative integer id`);
  return values as number[];
}
