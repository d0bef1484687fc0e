/**
 * Reading a user's .zip safely. The central directory is read first (APPNOTE.TXT §4.3.12; zip64 §4.3.14) for
 * what fflate does not expose: the encryption flag (a password-protected archive is refused with what to do, not
 * inflated into garbage), the UTF-8 flag and the Info-ZIP Unicode Path field (names written by Windows and older
 * macOS tools are in a legacy code page: CP437 by the standard, other OEM code pages in practice), and the
 * compression method. Declared sizes are checked against a total limit and a compression-ratio limit *before*
 * anything is inflated (zip bombs), and each entry is inflated by fflate into a buffer of its declared size, so an
 * entry that lies about its size cannot grow past it (its CRC-32 then fails, and it is skipped as damaged). Entries with `..`, absolute or drive paths are refused; macOS
 * metadata (`__MACOSX/`, `._*` AppleDouble files, `.DS_Store`) is skipped. Names are NFC-normalised, `\` → `/`.
 */
import { inflateSync } from 'fflate';
import { decodeLegacyName } from './codepages';

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
  /** Other readings of a name stored without the UTF-8 flag (other legacy code pages), tried when `path` matches nothing. */
  aliases?: string[];
}

export interface ZipProblem {
  file: string;
  message: string;
  fix: string;
}

export class ZipRefused extends Error {}

export function isUnsafePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[a-zA-Z]:/.test(path) || path.split(/[\\/]/).some((seg) => seg === '..');
}

/** Operating-system litter that is never part of a dataset: macOS resource forks and Finder/Explorer metadata. */
export function isSystemLitter(path: string): boolean {
  const segs = path.split('/');
  const base = segs[segs.length - 1];
  return segs.includes('__MACOSX') || base === '.DS_Store' || base.startsWith('._') || base === 'Thumbs.db' || base === 'desktop.ini';
}

/** A path as the dataset compares it: NFC (macOS may store NFD), forward slashes, no leading `./`. */
export function normalisePath(p: string): string {
  return p.normalize('NFC').replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

const METHODS: Record<number, string> = { 1: 'Shrink', 6: 'Implode', 9: 'Deflate64', 12: 'BZIP2', 14: 'LZMA', 93: 'Zstandard', 95: 'XZ', 98: 'PPMd', 99: 'AES encryption' };

interface CdEntry {
  name: string;
  aliases: string[];
  flags: number;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The central directory's entries. Throws ZipRefused when there is none to read. */
function centralDirectory(d: Uint8Array, archive: string): CdEntry[] {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const u16 = (o: number) => v.getUint16(o, true);
  const u32 = (o: number) => v.getUint32(o, true);
  const u64 = (o: number) => v.getUint32(o, true) + v.getUint32(o + 4, true) * 2 ** 32;
  const bad = (why: string) => new ZipRefused(`${archive}: not a readable .zip archive (${why})`);
  // A zip's table of contents is at its end: a download cut short starts like a zip but has none.
  const startsLikeZip = d.length >= 4 && u32(0) === 0x04034b50;
  const incomplete = (why: string) => new ZipRefused(`${archive}: the file is incomplete (${why}; ${d.length} bytes): download it again, or zip the folder again`);
  if (d.length === 0) throw new ZipRefused(`${archive}: the file is empty (0 bytes): download it again, or zip the folder again`);
  let e = d.length - 22;
  while (e >= 0 && d.length - e <= 22 + 65535 && u32(e) !== 0x06054b50) e--;
  if (e < 0 || u32(e) !== 0x06054b50) throw startsLikeZip ? incomplete('it starts as a zip but its table of contents, kept at the end, is missing') : bad('no end-of-central-directory record');
  let count = u16(e + 10);
  let o = u32(e + 16);
  if (e >= 20 && u32(e - 20) === 0x07064b50) {
    const z = u64(e - 12);
    if (z + 56 <= d.length && u32(z) === 0x06064b50) {
      count = u64(z + 32);
      o = u64(z + 48);
    }
  }
  const out: CdEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (o + 46 > d.length) throw incomplete(`central directory entry ${i + 1} runs past the end`);
    if (u32(o) !== 0x02014b50) throw bad(`central directory entry ${i + 1} is damaged`);
    const flags = u16(o + 8);
    const nameLen = u16(o + 28);
    const extraLen = u16(o + 30);
    const raw = d.subarray(o + 46, o + 46 + nameLen);
    let csize = u32(o + 20);
    let usize = u32(o + 24);
    let offset = u32(o + 42);
    let unicode: string | null = null;
    for (let x = o + 46 + nameLen; x + 4 <= o + 46 + nameLen + extraLen; x += 4 + u16(x + 2)) {
      const id = u16(x);
      let f = x + 4;
      if (id === 0x0001) {
        if (usize === 0xffffffff) {
          usize = u64(f);
          f += 8;
        }
        if (csize === 0xffffffff) {
          csize = u64(f);
          f += 8;
        }
        if (offset === 0xffffffff) offset = u64(f);
      } else if (id === 0x7075 && d[f] === 1 && u32(f + 1) === crc32(raw)) {
        unicode = new TextDecoder().decode(d.subarray(f + 5, x + 4 + u16(x + 2)));
      }
    }
    const names = unicode !== null ? { name: unicode, aliases: [] } : flags & 0x800 ? { name: new TextDecoder().decode(raw), aliases: [] } : decodeLegacyName(raw);
    out.push({ name: normalisePath(names.name), aliases: names.aliases.map(normalisePath), flags, method: u16(o + 10), crc: u32(o + 16), csize, usize, offset });
    o += 46 + nameLen + extraLen + u16(o + 32);
  }
  return out;
}

/** Unzip with the checks above. Unsafe or unsupported entries become problems and are skipped; a bomb or an encrypted archive refuses the whole archive. */
export function readZip(data: Uint8Array, archive: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): { entries: ZipEntry[]; problems: ZipProblem[] } {
  const problems: ZipProblem[] = [];
  const all = centralDirectory(data, archive);
  const cd = all.filter((f) => !f.name.endsWith('/') && !isSystemLitter(f.name));
  if (!all.length) throw new ZipRefused(`${archive}: the archive is empty (no entries); zip the dataset folder with its images and caption file`);
  if (!cd.length) {
    const dirs = all.filter((f) => f.name.endsWith('/'));
    throw new ZipRefused(
      dirs.length === all.length
        ? `${archive}: no files, only empty folders (${dirs.slice(0, 3).map((f) => f.name).join(', ')}${dirs.length > 3 ? ', …' : ''}); zip the folder with its images and caption file in it`
        : `${archive}: no files but system metadata (${all[0].name}); zip the dataset folder with its images and caption file`,
    );
  }
  const encrypted = cd.filter((f) => f.flags & 1 || f.method === 99);
  if (encrypted.length)
    throw new ZipRefused(
      `${archive}: the archive is password-protected (${encrypted.length === cd.length ? 'every entry' : `${encrypted.length} of ${cd.length} entries`} encrypted, e.g. ${encrypted[0].name}); encrypted zips are not supported — extract it with its password and zip the folder again without one, or use the folder itself`,
    );
  if (cd.length > limits.maxEntries) throw new ZipRefused(`${archive}: more than ${limits.maxEntries} entries; split the dataset`);
  const keep: CdEntry[] = [];
  let total = 0;
  for (const f of cd) {
    if (isUnsafePath(f.name)) {
      problems.push({ file: `${archive}:${f.name}`, message: 'unsafe path (absolute, or containing ..); the entry was skipped', fix: 'rebuild the archive with relative paths inside the dataset folder' });
      continue;
    }
    if (f.method !== 0 && f.method !== 8) {
      problems.push({ file: `${archive}:${f.name}`, message: `compressed with ${METHODS[f.method] ?? `method ${f.method}`}, which cannot be read here; the entry was skipped`, fix: 're-zip with the standard Deflate method (the default of zip, Finder and Explorer)' });
      continue;
    }
    total += f.usize;
    if (total > limits.maxTotalBytes) throw new ZipRefused(`${archive}: uncompressed size exceeds ${Math.round(limits.maxTotalBytes / 2 ** 20)} MiB (a zip bomb, or too big a dataset); use fewer or smaller images`);
    if (f.usize > 1024 * 1024 && f.usize / Math.max(1, f.csize) > limits.maxRatio)
      throw new ZipRefused(`${archive}: entry ${f.name} expands ${Math.round(f.usize / Math.max(1, f.csize))}× (limit ${limits.maxRatio}×); this looks like a zip bomb and the archive was refused`);
    keep.push(f);
  }
  const entries: ZipEntry[] = [];
  for (const f of keep) {
    const local = f.offset;
    if (local + 30 > data.length || data[local] !== 0x50 || data[local + 1] !== 0x4b || data[local + 2] !== 3 || data[local + 3] !== 4) throw new ZipRefused(`${archive}: not a readable .zip archive (the local header of ${f.name} is missing)`);
    const start = local + 30 + (data[local + 26] | (data[local + 27] << 8)) + (data[local + 28] | (data[local + 29] << 8));
    if (start + f.csize > data.length) throw new ZipRefused(`${archive}: the file is incomplete (${f.name} runs past its end): download it again, or zip the folder again`);
    const packed = data.subarray(start, start + f.csize);
    let bytes: Uint8Array;
    try {
      bytes = f.method === 0 ? packed.slice() : inflateSync(packed, { out: new Uint8Array(f.usize) });
    } catch (e) {
      problems.push({ file: `${archive}:${f.name}`, message: `cannot be inflated (${(e as Error).message}); the entry was skipped`, fix: 'the archive is damaged: zip the folder again' });
      continue;
    }
    if (bytes.length !== f.usize) {
      problems.push({ file: `${archive}:${f.name}`, message: `holds ${bytes.length} bytes but its header says ${f.usize}; the entry was skipped`, fix: 'the archive is damaged: zip the folder again' });
      continue;
    }
    if (crc32(bytes) !== f.crc) {
      problems.push({ file: `${archive}:${f.name}`, message: 'its contents do not match the archive\'s checksum (CRC-32), or its declared size is wrong; the entry was skipped', fix: 'the archive is damaged: zip the folder again' });
      continue;
    }
    entries.push(f.aliases.length ? { path: f.name, bytes, aliases: f.aliases } : { path: f.name, bytes });
  }
  return { entries: entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), problems };
}

/** The file names in a zip's central directory (directories and system litter left out), or null if it is not a readable zip. */
export function zipEntryNames(data: Uint8Array): string[] | null {
  try {
    return centralDirectory(data, '').map((f) => f.name).filter((n) => !n.endsWith('/') && !isSystemLitter(n));
  } catch {
    return null;
  }
}
