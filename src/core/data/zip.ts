/**
 * Reading a user's .zip safely (fflate): entries with `..`, absolute or drive paths are refused; the declared
 * sizes are checked against a total limit and a compression-ratio limit *before* anything is inflated (zip bombs),
 * and the inflated size is checked again afterwards. macOS metadata (__MACOSX/, .DS_Store) is skipped.
 */
import { unzipSync } from 'fflate';

export interface ZipLimits {
  /** Largest total uncompressed size. */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio of one entry. */
  maxRatio: number;
  /** Most entries. */
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxTotalBytes: 512 * 1024 * 1024, maxRatio: 200, maxEntries: 50_000 };

export interface ZipEntry {
  path: string;
  bytes: Uint8Array;
}

export interface ZipProblem {
  file: string;
  message: string;
}

export class ZipRefused extends Error {}

export function isUnsafePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[a-zA-Z]:/.test(path) || path.split(/[\\/]/).some((seg) => seg === '..');
}

/** Unzip with the checks above. Unsafe entries become problems and are skipped; a bomb refuses the whole archive. */
export function readZip(data: Uint8Array, archive: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): { entries: ZipEntry[]; problems: ZipProblem[] } {
  const problems: ZipProblem[] = [];
  let total = 0;
  let count = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(data, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        if (f.name.startsWith('__MACOSX/') || f.name.split('/').pop() === '.DS_Store') return false;
        if (isUnsafePath(f.name)) {
          problems.push({ file: `${archive}:${f.name}`, message: 'unsafe path (absolute, or containing ..); the entry was skipped' });
          return false;
        }
        if (++count > limits.maxEntries) throw new ZipRefused(`${archive}: more than ${limits.maxEntries} entries; split the dataset`);
        total += f.originalSize;
        if (total > limits.maxTotalBytes) throw new ZipRefused(`${archive}: uncompressed size exceeds ${Math.round(limits.maxTotalBytes / 2 ** 20)} MiB (a zip bomb, or too big a dataset); use fewer or smaller images`);
        if (f.originalSize > 1024 * 1024 && f.originalSize / Math.max(1, f.size) > limits.maxRatio)
          throw new ZipRefused(`${archive}: entry ${f.name} expands ${Math.round(f.originalSize / Math.max(1, f.size))}× (limit ${limits.maxRatio}×); this looks like a zip bomb and the archive was refused`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ZipRefused) throw e;
    throw new ZipRefused(`${archive}: not a readable .zip archive (${(e as Error).message})`);
  }
  let actual = 0;
  const entries = Object.entries(files).map(([path, bytes]) => {
    actual += bytes.length;
    return { path, bytes };
  });
  if (actual > limits.maxTotalBytes) throw new ZipRefused(`${archive}: inflated to more than its declared size; refused`);
  return { entries: entries.sort((a, b) => a.path.localeCompare(b.path)), problems };
}
