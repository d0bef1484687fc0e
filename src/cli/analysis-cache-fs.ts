/**
 * The caption analysis's cache on disk for the command line (analysis-cache.ts): one JSON file per key under
 * `$TABULA_CACHE` (default ~/.cache/tabula-rasa/analysis), so replicate and the torch engine compute a setup's
 * caption analysis once across runs. TABULA_CACHE=off turns it off. An unreadable entry is a miss, never an error.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AnalysisCache } from '../core/experiment/analysis-cache';
import type { Analysis } from '../core/experiment/extras';
import { writeFileAtomic } from './durable';

/** Entries as `<dir>/<key>.json`, written whole (durable.ts). */
export class FileAnalysisCache implements AnalysisCache {
  constructor(readonly dir: string) {}
  async get(key: string): Promise<Analysis | null> {
    const f = join(this.dir, `${key}.json`);
    if (!existsSync(f)) return null;
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as Analysis;
    } catch {
      return null;
    }
  }
  async put(key: string, value: Analysis): Promise<void> {
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileAtomic(join(this.dir, `${key}.json`), JSON.stringify(value));
    } catch {
      // A cache that cannot be written only costs time next run.
    }
  }
}

/** The command line's cache from the environment: null when TABULA_CACHE=off. */
export function analysisCacheFromEnv(env: NodeJS.ProcessEnv = process.env): FileAnalysisCache | null {
  const root = env.TABULA_CACHE;
  if (root === 'off') return null;
  return new FileAnalysisCache(join(root || join(homedir(), '.cache', 'tabula-rasa'), 'analysis'));
}
