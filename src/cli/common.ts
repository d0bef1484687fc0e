// Shared pieces of the Node entry points: a directory as a FileSource, flag parsing (with --help) and checks that name the flag, the machine in one line,
// atomic file and checkpoint-directory writes (durable.ts, re-exported), and one-line failures without stack traces or control characters.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
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
  if (!isDir)
    throw new UsageError(
      `${dir}: not a directory (pass the checkpoint folder holding config.json and model.safetensors)`,
    );
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
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new UsageError(`--${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  return n;
}

/**
 * One flag of a command line: node:util parseArgs's option, plus what `--help` prints about it. A CLI declares all
 * its flags in one such table; parseFlags parses with it and renders `--help` from it, so no flag goes undocumented.
 */
export interface FlagOption {
  type: 'string' | 'boolean';
  default?: string | boolean;
  short?: string;
  /** One line for --help: what the flag does (FLAG_HELP supplies it for shared flags a table leaves without). */
  description?: string;
  /** The value's placeholder in --help (`DIR`, `N`, `wasm|cpu|webgpu`); strings only, `VALUE` when absent. */
  value?: string;
  /** --help's default when it is not a literal (`a quarter of --steps`); `default` wins when both are set. */
  defaultText?: string;
  /** --help says `(required)` instead of a default; the command itself checks that the flag is given. */
  required?: boolean;
}

export type FlagTable = Record<string, FlagOption>;

/**
 * What --help says of flags several commands share, for a table that gives a flag no description of its own (its
 * value, default text and `required` then come from here too). replicate.ts and export.ts rely on it for their
 * run flags (out, dataset, backend, lm, vq, train-vq, resume, stop-at).
 */
export const FLAG_HELP: Record<string, Omit<FlagOption, 'type' | 'default' | 'short'>> = {
  backend: { value: 'wasm|cpu|webgpu', description: 'the tfjs backend to run on' },
  json: { description: 'print one JSON line instead of text' },
  seed: { value: 'S', description: 'the random seed, an integer in [0, 2^31 - 1]' },
  out: { value: 'DIR', description: 'the folder to write into', required: true },
  dataset: {
    value: 'PATH',
    description: 'a bring-your-own dataset (folder or .zip of images with captions) instead of the emoji',
    defaultText: 'the Twemoji emoji',
  },
  lm: { value: 'DIR', description: 'the pre-trained LM: any GPT-2-layout checkpoint folder with its tokenizer' },
  vq: { value: 'DIR', description: "the VQ-VAE image tokenizer's checkpoint folder" },
  'train-vq': {
    description:
      'train a VQ tokenizer on the --dataset first (replicate; export refuses it: train with npm run train-vq)',
  },
  resume: { description: 'continue each run from its last checkpoint in DIR/checkpoints/' },
  'stop-at': {
    value: 'STEP',
    description: 'stop every run after this step (continue later with --resume)',
    defaultText: 'the last step',
  },
  checkpoint: { value: 'DIR', description: 'the checkpoint folder to evaluate' },
  profile: { description: 'add per-kernel times (tf.profile of one extra step)' },
  'no-isolation': { description: 'serve without the COOP/COEP headers, as a static host that sends none would' },
  'no-build': { description: 'serve the existing dist/ instead of building the app first' },
  timeout: { value: 'SECONDS', description: 'give up on a measurement after this many seconds' },
};

/** Asked for with --help or -h: runCli prints `text` on stdout and exits 0. */
export class HelpRequest extends Error {}

/** The --help text of a command: its usage line, what it does, then one line per flag with its default. */
export function formatHelp(options: FlagTable, usage: string, about?: string): string {
  const rows = Object.entries(options).map(([name, o]) => {
    const f: FlagOption = o.description === undefined ? { ...FLAG_HELP[name], ...o } : o;
    const flag = `${f.short ? `-${f.short}, ` : ''}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    const literal =
      f.default === undefined || f.default === '' ? undefined : f.default === false ? 'off' : String(f.default);
    const dflt = f.required
      ? 'required'
      : `default: ${literal ?? f.defaultText ?? (f.default === '' ? '""' : f.type === 'boolean' ? 'off' : 'none')}`;
    return [flag, `${f.description ?? '(no description)'} (${dflt})`];
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.min(36, Math.max(...rows.map(([f]) => f.length)));
  const lines = rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
  return [
    usage.startsWith('usage:') ? usage : `usage: ${usage}`,
    ...(about ? ['', about] : []),
    '',
    'options:',
    ...lines,
    '',
  ].join('\n');
}

/**
 * `parseArgs` (strict: unknown flags and missing values refused) with its errors as UsageErrors that end with `usage`.
 * `--help` or `-h` anywhere among the flags throws a HelpRequest with formatHelp's text instead (runCli prints it
 * and exits 0) — before anything else the command does, so no CLI can forget it. `about`: one sentence for --help.
 */
export function parseFlags<T extends FlagTable>(options: T, usage: string, allowPositionals = false, about?: string) {
  const parseOptions = Object.fromEntries(
    Object.entries(options).map(([name, { type, default: d, short }]) => [
      name,
      { type, ...(d === undefined ? {} : { default: d }), ...(short === undefined ? {} : { short }) },
    ]),
  ) as T;
  let parsed;
  try {
    parsed = parseArgs({
      options: { ...parseOptions, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; ${usage}`);
  }
  if ((parsed.values as Record<string, unknown>).help) throw new HelpRequest(formatHelp(options, usage, about));
  return parsed;
}

/** The backends a Node entry point can run on. */
export const NODE_BACKENDS = ['wasm', 'cpu', 'webgpu'] as const satisfies readonly BackendName[];

/** A --backend value, refused unless it is one of NODE_BACKENDS (a typo must not fall through to wasm). */
export function backendArg(v: string | undefined, name = 'backend'): BackendName {
  if (!(NODE_BACKENDS as readonly string[]).includes(v ?? ''))
    throw new UsageError(`--${name} must be ${NODE_BACKENDS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as BackendName;
}

/** A --seed value: an integer in [0, 2³¹ − 1]. */
export function seedArg(v: string | undefined, name = 'seed'): number {
  return intArg(v, name, 0, 2 ** 31 - 1);
}

/** A finite number in (lo, hi] (lo exclusive: a learning rate of 0 trains nothing), or a UsageError naming the flag. */
export function numberArg(v: string | undefined, name: string, lo: number, hi: number): number {
  const n = v === undefined || v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n <= lo || n > hi)
    throw new UsageError(`--${name} must be a number in (${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return n;
}

// Atomic file and checkpoint-folder writes live in durable.ts (fsync, kill points); re-exported for the CLIs that import them from here.
export { completeCheckpointDir, replaceDirAtomic, writeFileAtomic } from './durable';

/** Control characters of a message shown as escapes (\r, \u001b…), so a file's bytes cannot garble the terminal. */
export function escapeControls(msg: string): string {
  const short: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return msg.replace(
    /[\p{Cc}\u2028\u2029]/gu,
    (c) => short[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Run `main`, turning any error into one line on stderr and exit code 1 (2 for usage errors). */
export function runCli(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      if (e instanceof HelpRequest) {
        process.stdout.write(e.message);
        process.exit(0);
      }
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
  if (trimmed === '')
    throw new UsageError(
      `${file}: the file is empty; expected token ids (a JSON array or whitespace-separated integers)`,
    );
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
  if (bad >= 0)
    throw new UsageError(`${file}: entry ${bad + 1} (${JSON.stringify(values[bad])}) is not a non-negative integer id`);
  return values as number[];
}
