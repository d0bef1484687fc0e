// Shared pieces of the Node entry points: a directory as a FileSource, and one-line failures without stack traces.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileSource } from '../core/checkpoint/source';

/** Thrown for bad user input; the entry point prints its message alone and exits non-zero. */
export class UsageError extends Error {}

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
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`--${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  return n;
}

/** Run `main`, turning any error into one line on stderr and exit code 1 (2 for usage errors). */
export function runCli(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(`${name}: ${msg.split('\n')[0]}\n`);
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
