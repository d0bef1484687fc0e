// A dataset folder read into memory as (path, bytes) entries, with the same size and count limits as archives.
// Symbolic links are followed once: a link back into a folder already being read (a loop) or a broken link is
// reported and skipped, never followed forever. Hidden files (`.*`, which covers `._*` AppleDouble files and
// `.DS_Store`) and `__MACOSX` are skipped. Paths use `/` and NFC (macOS may hand back NFD names).
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { DEFAULT_BYOD_LIMITS, type Problem } from '../../core/data/byod';
import { normalisePath, type ZipEntry } from '../../core/data/zip';
import { UsageError } from '../common';

export async function readFolder(root: string): Promise<{ entries: ZipEntry[]; problems: Problem[] }> {
  const entries: ZipEntry[] = [];
  const problems: Problem[] = [];
  const label = (full: string) => `${basename(root)}/${normalisePath(relative(root, full))}`;
  let total = 0;
  const walk = async (dir: string, open: Set<string>) => {
    for (const name of (await readdir(dir)).sort()) {
      if (name.startsWith('.') || name === '__MACOSX') continue;
      const full = join(dir, name);
      let s;
      try {
        s = await stat(full);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const message = code === 'ELOOP' ? 'a symbolic link that points to itself; it was skipped' : code === 'ENOENT' ? 'a broken symbolic link (its target does not exist); it was skipped' : `cannot be read (${code ?? (e as Error).message}); it was skipped`;
        problems.push({ file: label(full), message, fix: 'remove the link or point it at a real file' });
        continue;
      }
      if (s.isDirectory()) {
        const real = await realpath(full);
        if (open.has(real)) {
          problems.push({ file: label(full), message: 'a symbolic link back to a folder that contains it (a loop); it was not followed', fix: 'remove the link' });
          continue;
        }
        await walk(full, new Set([...open, real]));
      } else if (s.isFile()) {
        total += s.size;
        if (total > DEFAULT_BYOD_LIMITS.maxTotalBytes) throw new UsageError(`${root}: more than ${DEFAULT_BYOD_LIMITS.maxTotalBytes / 2 ** 20} MiB of files; use fewer or smaller images`);
        if (entries.length >= DEFAULT_BYOD_LIMITS.maxEntries) throw new UsageError(`${root}: more than ${DEFAULT_BYOD_LIMITS.maxEntries} files; split the dataset`);
        entries.push({ path: normalisePath(relative(root, full)), bytes: new Uint8Array(await readFile(full)) });
      }
    }
  };
  await walk(root, new Set([await realpath(root)]));
  return { entries, problems };
}
