// A dataset folder read into memory as (path, bytes) entries, with the same size and count limits as archives.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DEFAULT_BYOD_LIMITS } from '../../core/data/byod';
import type { ZipEntry } from '../../core/data/zip';
import { UsageError } from '../common';

export async function readFolder(root: string): Promise<ZipEntry[]> {
  const out: ZipEntry[] = [];
  let total = 0;
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      if (name.startsWith('.') || name === '__MACOSX') continue;
      const full = join(dir, name);
      const s = await stat(full);
      if (s.isDirectory()) await walk(full);
      else if (s.isFile()) {
        total += s.size;
        if (total > DEFAULT_BYOD_LIMITS.maxTotalBytes) throw new UsageError(`${root}: more than ${DEFAULT_BYOD_LIMITS.maxTotalBytes / 2 ** 20} MiB of files; use fewer or smaller images`);
        if (out.length >= DEFAULT_BYOD_LIMITS.maxEntries) throw new UsageError(`${root}: more than ${DEFAULT_BYOD_LIMITS.maxEntries} files; split the dataset`);
        out.push({ path: relative(root, full).split('\\').join('/'), bytes: new Uint8Array(await readFile(full)) });
      }
    }
  };
  await walk(root);
  return out;
}
