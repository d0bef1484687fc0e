/**
 * Bring your own data: a folder or .zip of images (PNG, JPEG, WebP) with captions in one of the layouts of
 * caption-files.ts (our captions.csv/captions.json, a Hugging Face imagefolder's metadata.csv/jsonl, COCO
 * captions_*.json, the Hub's Parquet files with the images inline), and optional `.txt` corpora. Every problem is reported with its file and row and a fix; bad rows
 * are skipped and the good ones load; a dataset with nothing usable is refused with the reason. Names are compared
 * after NFC normalisation with `/` separators (and a zip's legacy-code-page aliases). Each image's header is read
 * first and one over the pixel limit is refused without decoding. Images are centre-cropped to a square and resized
 * to the model's resolution (area average when shrinking, bilinear when enlarging; see images.ts), then composited
 * on white by the loader. Decoding is passed in (image-decode.ts in Node, the browser's decoder in the worker).
 */
import { findCaptionSources, readCaptionRows, type CaptionRow, type RowProblem } from './caption-files';
import { checkImageFile } from './image-check';
import { readParquetRows } from './parquet-captions';
import { readImageHeader, type ImageHeader } from './image-header';
import { resizeRGBA, type RGBAImage } from './images';
import { cleanText, isEmptyText } from './text';
import { decodeUtf8Strict, Utf8Error } from './utf8';
import { normalisePath, readZip, ZipRefused, DEFAULT_ZIP_LIMITS, type ZipEntry, type ZipLimits } from './zip';

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
  /** The first of `captions`. */
  caption: string;
  /** Every caption of the image (COCO gives several); at least one. */
  captions: string[];
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

/** Fewest images a dataset needs before any is held out for validation (prepare.ts byodSplitImages): under it the validation images are the training images. */
export const MIN_HELD_OUT_IMAGES = 10;

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

/** Where a row's file may be: beside the caption file first; for COCO also from the top, then by unique path suffix. */
class FileIndex {
  private byPath = new Map<string, ZipEntry>();
  private byAlias = new Map<string, ZipEntry | null>();
  private lower = new Map<string, string>();

  constructor(files: ZipEntry[], problems: Problem[], where: (p: string) => string) {
    for (const f of files) {
      const path = normalisePath(f.path);
      const seen = this.byPath.get(path);
      if (seen) {
        problems.push({ file: where(f.path), message: `looks the same as ${seen.path} but its letters are encoded differently (Unicode NFC vs NFD, as macOS may store names); it was skipped`, fix: 'remove or rename one of the two files' });
        continue;
      }
      this.byPath.set(path, f.path === path ? f : { ...f, path });
      this.lower.set(path.toLowerCase(), path);
      for (const a of f.aliases ?? []) this.byAlias.set(a, this.byAlias.has(a) ? null : f);
    }
  }

  entries(): [string, ZipEntry][] {
    return [...this.byPath];
  }

  private exact(p: string): [string, ZipEntry] | null {
    const e = this.byPath.get(p) ?? this.byAlias.get(p);
    return e ? [e.path, e] : null;
  }

  /** The entry a row names, with its path in the dataset; or null and a near miss (same name, other case). */
  find(file: string, base: string, anywhere: boolean): { path: string; entry: ZipEntry } | { nearMiss: string | null } {
    const hit = this.exact(base + file) ?? (anywhere ? this.exact(file) : null);
    if (hit) return { path: hit[0], entry: hit[1] };
    if (anywhere) {
      const tails = [...this.byPath.keys()].filter((k) => k.endsWith('/' + file));
      if (tails.length === 1) return { path: tails[0], entry: this.byPath.get(tails[0])! };
    }
    const near = this.lower.get((base + file).toLowerCase());
    return { nearMiss: near ? near.slice(base.length) : null };
  }
}

/** Validate and load a dataset given as a list of files (a folder's contents or an archive's entries). */
export async function loadByodFiles(name: string, files: ZipEntry[], decode: ImageDecoder, limits: ByodLimits = DEFAULT_BYOD_LIMITS, problems: Problem[] = []): Promise<ByodDataset> {
  const ds: ByodDataset = { name, images: [], corpora: [], problems, refused: null };
  const refuse = (reason: string) => ((ds.refused = reason), ds);
  const where = (p: string) => (name.toLowerCase().endsWith('.zip') ? `${name}:${p}` : `${name}/${p}`);
  const index = new FileIndex(files, problems, where);
  const sources = findCaptionSources(name, index.entries().map(([, entry]) => entry));
  if (typeof sources === 'string') return refuse(sources);

  const used = new Map<string, { label: string; row: number | string }>();
  /** Images named by rows that were skipped as malformed: listed, so not reported again as unlisted. */
  const skippedRows = new Set<string>();
  let total = 0;
  for (const src of sources) {
    const label = where(src.entry.path);
    const rowProblems: RowProblem[] = [];
    let rows: CaptionRow[];
    try {
      rows = src.layout === 'parquet' ? await readParquetRows(src.entry.bytes, label, rowProblems) : readCaptionRows(src, label, rowProblems);
    } catch (e) {
      if (e instanceof Utf8Error) return refuse(`${label}: ${e.message}; save the file as UTF-8`);
      return refuse((e as Error).message);
    }
    problems.push(...rowProblems.map(({ names: _names, ...p }) => ({ file: label, ...p })));
    for (const { names } of rowProblems) if (names?.trim()) skippedRows.add(src.base + normalisePath(names.trim()));
    if (total + rows.length > limits.maxImages) {
      const cut = Math.max(0, limits.maxImages - total);
      problems.push({ file: label, row: rows[cut].row, message: `${total + rows.length} rows is more than the limit of ${limits.maxImages} images; rows from here on were skipped`, fix: 'split the dataset or remove rows' });
      rows = rows.slice(0, cut);
    }
    total += rows.length;
    for (const r of rows) {
      const p = (message: string, fix: string) => problems.push({ file: label, row: r.row, message: r.entry ? `${r.entry}: ${message}` : message, fix });
      const file = normalisePath(r.file.trim());
      if (file === '') {
        p('the file column is empty', 'give the image file name, relative to the caption file');
        continue;
      }
      // A Parquet row holds its image: it is found by its row, never by name.
      const found = r.bytes ? { path: `${src.entry.path}#${r.row}`, entry: { path: `${src.entry.path}#${r.row}`, bytes: r.bytes } } : index.find(file, src.base, src.layout === 'coco');
      const key = 'entry' in found ? found.path : src.base + file;
      const first = used.get(key);
      if (first) {
        p(`${file} is listed twice (first at ${first.label === label ? '' : `${first.label} `}${typeof first.row === 'number' ? `row ${first.row}` : first.row}); this row was skipped`, 'keep one row per image');
        continue;
      }
      used.set(key, { label, row: r.row ?? r.entry ?? '?' });
      const captions: string[] = [];
      for (const c of r.captions.map(cleanText).filter((c) => !isEmptyText(c))) {
        if (c.length > limits.maxCaptionChars) p(`the caption of ${file} has ${c.length} characters, over the limit of ${limits.maxCaptionChars}`, 'shorten the caption');
        else captions.push(c);
      }
      if (!captions.length) {
        if (!r.captions.some((c) => cleanText(c).length > limits.maxCaptionChars)) p(`the caption of ${file} is empty`, 'write a caption or remove the row');
        continue;
      }
      if (!('entry' in found)) {
        p(`${file} is not in the dataset`, found.nearMiss ? `the dataset has ${found.nearMiss}: names are case-sensitive` : 'add the image or fix its name (names are case-sensitive)');
        continue;
      }
      const entry = found.entry;
      if (entry.bytes.length > limits.maxImageBytes) {
        p(`${file} is ${(entry.bytes.length / 2 ** 20).toFixed(1)} MiB, over the ${limits.maxImageBytes / 2 ** 20} MiB limit`, 'use a smaller image');
        continue;
      }
      const kind = sniffImage(entry.bytes);
      if (!kind) {
        p(`${file} is not a PNG, JPEG or WebP image`, 'convert it to PNG, JPEG or WebP');
        continue;
      }
      let head: ImageHeader;
      try {
        head = readImageHeader(entry.bytes);
      } catch (e) {
        // A JPEG coding the header reader does not know (arithmetic, lossless) is named for what it is.
        const coding = checkImageFile(entry.bytes, kind);
        if (coding?.kind === 'coding') p(`${file} ${coding.message}`, coding.fix);
        else p(`${file} cannot be decoded (${(e as Error).message})`, 're-save the image; it may be truncated or corrupt');
        continue;
      }
      if (head.width * head.height > limits.maxImagePixels) {
        p(`${file} is ${head.width}×${head.height} by its header, over the ${limits.maxImagePixels / 1e6} megapixel limit; it was not decoded`, 'scale it down first');
        continue;
      }
      // Cut or damaged files and JPEG codings one decoder lacks are refused from their structure, the same in Node and the page.
      const broken = checkImageFile(entry.bytes, kind);
      if (broken) {
        p(`${file} ${broken.message}`, broken.fix);
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
      ds.images.push({ file, caption: captions[0], captions, image: squareResize(img, limits.size) });
    }
  }
  const sourceFiles = new Set(sources.map((s) => s.entry));
  // An image belongs to the caption file in the deepest folder above it (COCO files name images anywhere).
  const owner = (path: string) => sources.filter((s) => path.startsWith(s.base)).sort((a, b) => b.base.length - a.base.length)[0] ?? (sources[0].layout === 'coco' ? sources[0] : undefined);
  for (const [path, f] of index.entries()) {
    if (sourceFiles.has(f)) continue;
    const src = owner(path);
    if (IMAGE_EXT.test(path) && !used.has(path) && !skippedRows.has(path) && src) {
      const rel = path.startsWith(src.base) ? path.slice(src.base.length) : path;
      const fix = src.layout === 'captions' ? `add a row "${rel},<caption>" to use it` : src.layout === 'imagefolder' ? `add a row with file_name "${rel}" to ${src.entry.path} to use it` : src.layout === 'parquet' ? 'add it as a row (image bytes and caption) of a Parquet file to use it' : `add it to images[] and its captions to annotations[] of ${src.entry.path} to use it`;
      problems.push({ file: where(path), message: 'image not listed in the caption file; it was ignored', fix });
    } else if (/\.txt$/i.test(path)) {
      try {
        const text = decodeUtf8Strict(f.bytes);
        if (isEmptyText(text)) problems.push({ file: where(path), message: 'the corpus is empty (nothing but spaces or invisible characters); it was skipped', fix: 'put English text in it or remove it' });
        else ds.corpora.push({ file: src && path.startsWith(src.base) ? path.slice(src.base.length) : path, text });
      } catch (e) {
        problems.push({ file: where(path), message: `${(e as Error).message}; the corpus was skipped`, fix: 'save the text as UTF-8' });
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
  const problems: Problem[] = read.problems.map((p) => ({ ...p }));
  return loadByodFiles(name, read.entries, decode, limits, problems);
}

export function formatProblem(p: Problem): string {
  return `${p.file}${p.row !== undefined ? `, row ${p.row}` : ''}: ${p.message} — ${p.fix}`;
}
