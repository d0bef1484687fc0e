/**
 * Build step for offline use (docs/teachers.md): after `vite build` has written dist/, fills the service worker
 * (dist/sw.js, built from src/sw/service-worker.ts) with the list of files to cache and a version that is a hash of
 * their content, so each rebuild that changes a file gets a fresh cache. Build only; `vite` (dev, HMR) never sees a
 * service worker.
 */
import type { Plugin, ResolvedConfig } from 'vite';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { precacheList } from '../src/sw/precache.js';

/** The service worker's entry and its fixed name in the build (it must keep one URL across builds). */
export const SW_ENTRY = 'src/sw/service-worker.ts';
export const SW_FILE = 'sw.js';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** sha-256 over each kept file's path and content, first 16 hex digits. */
export function versionOf(files: { path: string; bytes: Uint8Array }[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.path).update('\0').update(createHash('sha256').update(f.bytes).digest());
  return h.digest('hex').slice(0, 16);
}

export function offline(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'tabula-rasa-offline',
    apply: 'build',
    configResolved(c) {
      config = c;
    },
    closeBundle() {
      const out = config.build.outDir;
      const swPath = join(out, SW_FILE);
      const files = precacheList(walk(out).map((f) => relative(out, f).split(sep).join('/')));
      const version = versionOf(files.map((path) => ({ path, bytes: readFileSync(join(out, path)) })));
      const src = readFileSync(swPath, 'utf8');
      if (!src.includes('__OFFLINE_FILES__') || !src.includes('__OFFLINE_VERSION__'))
        throw new Error(`${swPath}: the service worker lost its placeholders (__OFFLINE_FILES__, __OFFLINE_VERSION__)`);
      writeFileSync(
        swPath,
        src
          .replaceAll('__OFFLINE_FILES__', JSON.stringify(files))
          .replaceAll('__OFFLINE_VERSION__', JSON.stringify(version)),
      );
    },
  };
}
