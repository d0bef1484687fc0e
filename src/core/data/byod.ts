/**
 * Bring your own data: a folder or .zip of images (PNG, JPEG, WebP) with `captions.csv` (`file,caption`, RFC 4180)
 * or `captions.json` (`[{"file", "caption"}]`), and optional `.txt` corpora. Every problem is reported with its
 * file and row and a fix; bad rows are skipped and the good ones load; a dataset with nothing usable is refused
 * with the reason. Images are centre-cropped to a square and resized to the model's resolution (area average when
 * shrinking, bilinear when enlarging; see images.ts), then composited on white by the loader.
 * Decoding is passed in (pngjs/jpeg-js/WebP wasm in Node, the browser's decoder in the worker).
 */
import { parseCsv, CsvError } from './csv';
import { resizeRGBA, type RGBAImage } from './images';
import { decodeUtf8Strict, Utf8Error } from './utf8';
import { readZip, ZipRefused, DEFAULT_ZIP_LIMITS, type ZipEntry, type ZipLimits } from './zip';

export interface ByodLimits extends ZipLimits {
  maxImages: number;
  maxCaptionChars: number;
  /** Largest encoded image file. */
  maxImageBytes: number;
  /** Largest decoded image, in pixels. */
  maxImagePixels: number;
  /** Output resolution (square). */
  size: number;
}

export const DEFAULT_BYOD_LIMITS: ByodLimits = { ...DEFAULT_ZIP_LIMITS, maxImages: 20_000, maxCaptionChars: 300, maxImageBytes: 20 * 2 ** 20, maxImagePixels: 40_000_000, size: 32 };

export type ImageDecoder = (bytes: Uint8Array, file: string) => Promise<RGBAImage>;

export interface Problem {
  /** File the problem is about (inside an archive: `archive.zip:path`). */
  file: string;
  /** 1-based row of captions.csv (the header is row 1) or entry of captions.json. */
  row?: number;
  message: string;
  /** What to do about it. */
  fix: string;
}

export interface ByodImage {
  file: string;
  caption: string;
  image: RGBAImage;
}

export interface ByodDataset {
  name: string;
  images: ByodImage[];
  corpora: { file: string; text: string }[];
  problems: Problem[];
  /** Set when the dataset cannot be used at all. */
  refused: string | null;
}

const IMAGE_EXT = /\.(png|jpe?g|webp)$/i;

/** Image format from the file's first bytes. */
export function sniffImage(b: Uint8Array): 'png' | 'jpeg' | 'webp' | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') return 'webp';
  return null;
}

/** Centre-crop to a square, then resize to size×size. */
export function squareResize(img: RGBAImage, size: number): RGBAImage {
  const s = Math.min(img.width, img.height);
  const ox = Math.floor((img.width - s) / 2);
  const oy = Math.floor((img.height - s) / 2);
  let sq = img;
  if (img.width !== img.height) {
    const data = new Uint8Array(s * s * 4);
    for (let y = 0; y < s; y++) data.set(img.data.subarray(((oy + y) * img.width + ox) * 4, ((oy + y) * img.width + ox + s) * 4), y * s * 4);
    sq = { width: s, height: s, data };
  }
  return resizeRGBA(sq, size, size);
}

interface Row {
  row: number;
  file: string;
  caption: string;
}

function readCaptionRows(entry: ZipEntry, label: string, problems: Problem[]): Row[] {
  const text = decodeUtf8Strict(entry.bytes); // Utf8Error handled by the caller: an unreadable captions file is fatal
  if (entry.path.toLowerCase().endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${label}: not valid JSON (${(e as Error).message}); expected [{"file": "...", "caption": "..."}]`, { cause: e });
    }
    if (!Array.isArray(json)) throw new Error(`${label}: expected a JSON array of {"file", "caption"} objects`);
    return json.map((r, i) => {
      const o = (r ?? {}) as Record<string, unknown>;
      const ok = typeof o.file === 'string' && (typeof o.caption === 'string' || o.caption === undefined || o.caption === null);
      if (!ok) problems.push({ file: label, row: i + 1, message: 'entry is not {"file": string, "caption": string}', fix: 'give each entry a "file" and a "caption" string' });
      return { row: i + 1, file: ok ? (o.file as string) : '', caption: ok ? String(o.caption ?? '') : '' };
    });
  }
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError) throw new Error(`${label}: ${e.message}`, { cause: e });
    throw e;
  }
  if (records.length === 0) throw new Error(`${label}: the file is empty; expected a header "file,caption" and one row per image`);
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const fi = header.indexOf('file');
  const ci = header.indexOf('caption');
  if (fi < 0 || ci < 0) throw new Error(`${label}: the header must name the columns "file" and "caption" (found: ${records[0].fields.join(', ')})`);
  return records.slice(1).map((r) => ({ row: r.line, file: r.fields[fi] ?? '', caption: r.fields[ci] ?? '' }));
}

/** Validate and load a dataset given as a list of files (a folder's contents or an archive's entries). */
export async function loadByodFiles(name: string, files: ZipEntry[], decode: ImageDecoder, limits: ByodLimits = DEFAULT_BYOD_LIMITS, problems: Problem[] = []): Promise<ByodDataset> {
  const ds: ByodDataset = { name, images: [], corpora: [], problems, refused: null };
  const refuse = (reason: string) => ((ds.refused = reason), ds);
  const where = (p: string) => (name.toLowerCase().endsWith('.zip') ? `${name}:${p}` : `${name}/${p}`);
  const captionFiles = files.filter((f) => /(^|\/)captions\.(csv|json)$/i.test(f.path));
  if (captionFiles.length === 0) return refuse(`${name}: no captions.csv or captions.json found; add one listing each image as "file,caption"`);
  if (captionFiles.length > 1) return refuse(`${name}: ${captionFiles.length} caption files found (${captionFiles.map((f) => f.path).join(', ')}); keep exactly one`);
  const capFile = captionFiles[0];
  const base = capFile.path.includes('/') ? capFile.path.slice(0, capFile.path.lastIndexOf('/') + 1) : '';
  const byPath = new Map(files.filter((f) => f.path.startsWith(base)).map((f) => [f.path.slice(base.length), f]));

  let rows: Row[];
  try {
    rows = readCaptionRows(capFile, where(capFile.path), problems);
  } catch (e) {
    if (e instanceof Utf8Error) return refuse(`${where(capFile.path)}: ${e.message}; save the file as UTF-8`);
    return refuse((e as Error).message);
  }
  if (rows.length > limits.maxImages) {
    problems.push({ file: where(capFile.path), row: rows[limits.maxImages].row, message: `${rows.length} rows is more than the limit of ${limits.maxImages} images; rows from here on were skipped`, fix: 'split the dataset or remove rows' });
    rows = rows.slice(0, limits.maxImages);
  }
  const firstRow = new Map<string, number>();
  const capLabel = where(capFile.path);
  for (const r of rows) {
    const p = (message: string, fix: string) => problems.push({ file: capLabel, row: r.row, message, fix });
    const file = r.file.trim().replace(/^\.\//, '');
    const caption = r.caption.trim().replace(/\s+/g, ' ');
    if (file === '') {
      p('the file column is empty', 'give the image file name, relative to the caption file');
      continue;
    }
    if (firstRow.has(file)) {
      p(`${file} is listed twice (first at row ${firstRow.get(file)}); this row was skipped`, 'keep one row per image');
      continue;
    }
    firstRow.set(file, r.row);
    if (caption === '') {
      p(`the caption of ${file} is empty`, 'write a caption or remove the row');
      continue;
    }
    if (caption.length > limits.maxCaptionChars) {
      p(`the caption of ${file} has ${caption.length} characters, over the limit of ${limits.maxCaptionChars}`, 'shorten the caption');
      continue;
    }
    const entry = byPath.get(file);
    if (!entry) {
      p(`${file} is not in the dataset`, 'add the image or fix its name (names are case-sensitive)');
      continue;
    }
    if (entry.bytes.length > limits.maxImageBytes) {
      p(`${file} is ${(entry.bytes.length / 2 ** 20).toFixed(1)} MiB, over the ${limits.maxImageBytes / 2 ** 20} MiB limit`, 'use a smaller image');
      continue;
    }
    if (!sniffImage(entry.bytes)) {
      p(`${file} is not a PNG, JPEG or WebP image`, 'convert it to PNG, JPEG or WebP');
      continue;
    }
    let img: RGBAImage;
    try {
      img = await decode(entry.bytes, file);
    } catch (e) {
      p(`${file} cannot be decoded (${(e as Error).message})`, 're-save the image; it may be truncated or corrupt');
      continue;
    }
    if (img.width * img.height > limits.maxImagePixels) {
      p(`${file} is ${img.width}×${img.height}, over the ${limits.maxImagePixels / 1e6} megapixel limit`, 'scale it down first');
      continue;
    }
    ds.images.push({ file, caption, image: squareResize(img, limits.size) });
  }
  for (const [path, f] of byPath) {
    if (f === capFile) continue;
    if (IMAGE_EXT.test(path) && !firstRow.has(path)) problems.push({ file: where(base + path), message: 'image not listed in the caption file; it was ignored', fix: `add a row "${path},<caption>" to use it` });
    else if (/\.txt$/i.test(path)) {
      try {
        ds.corpora.push({ file: path, text: decodeUtf8Strict(f.bytes) });
      } catch (e) {
        problems.push({ file: where(base + path), message: `${(e as Error).message}; the corpus was skipped`, fix: 'save the text as UTF-8' });
      }
    }
  }
  if (ds.images.length === 0) return refuse(`${name}: no usable image (${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.slice(0, 3).map(formatProblem).join('; ')})`);
  return ds;
}

/** Load a .zip archive (checked for unsafe paths and zip bombs first). */
export async function loadByodZip(name: string, bytes: Uint8Array, decode: ImageDecoder, limits: ByodLimits = DEFAULT_BYOD_LIMITS): Promise<ByodDataset> {
  let read;
  try {
    read = readZip(bytes, name, limits);
  } catch (e) {
    if (e instanceof ZipRefused) return { name, images: [], corpora: [], problems: [], refused: e.message };
    throw e;
  }
  const problems: Problem[] = read.problems.map((p) => ({ file: p.file, message: p.message, fix: 'rebuild the archive with relative paths inside the dataset folder' }));
  return loadByodFiles(name, read.entries, decode, limits, problems);
}

export function formatProblem(p: Problem): string {
  return `${p.file}${p.row !== undefined ? `, row ${p.row}` : ''}: ${p.message} — ${p.fix}`;
}
