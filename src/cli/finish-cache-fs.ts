/**
 * The finish's cache on disk (the caption analysis, the quality classifier) for the command line (analysis-cache.ts): one JSON file per key under
 * `$TABULA_CACHE` (default ~/.cache/tabula-rasa/finish), so replicate and the torch engine compute a setup's
 * caption analysis and classifier once across runs. TABULA_CACHE=off turns it off. An unreadable entry is a miss, never an error.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FinishCache } from '../core/experiment/finish-cache';
import { writeFileAtomic } from './durable';

/** Entries as `<dir>/<key>.json`, written whole (durable.ts). */
export class FileFinishCache implements FinishCache {
  constructor(readonly dir: string) {}
  async get(key: string): Promise<unknown> {
    const f = join(this.dir, `${key}.json`);
    if (!existsSync(f)) return null;
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as unknown;
    } catch {
      return null;
    }
  }
  async put(key: string, value: unknown): Promise<void> {
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileAtomic(join(this.dir, `${key}.json`), JSON.stringify(value));
    } catch {
      // A cache that cannot be written only costs time next run.
    }
  }
}

/** The command line's cache from the environment: null when TABULA_CACHE=off. */
export function finishCacheFromEnv(env: NodeJS.ProcessEnv = process.env): FileFinishCache | null {
  const root = env.TABULA_CACHE;
  if (root === 'off') return null;
  return new FileFinishCache(join(root || join(homedir(), '.cache', 'tabula-rasa'), 'finish'));
}
