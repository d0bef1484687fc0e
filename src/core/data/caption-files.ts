/**
 * The caption files a bring-your-own dataset may come with, read into one row per image:
 * - our own `captions.csv` (`file,caption`, RFC 4180) or `captions.json` (`[{"file", "caption"}]`), exactly one;
 * - a Hugging Face `imagefolder` dataset: `metadata.csv` or `metadata.jsonl` with a `file_name` column and a text
 *   column (`text`, `caption` or `captions`, or the only other column; a JSONL value may be a list of captions),
 *   one per folder (split folders such as train/ and test/ each have their own), names relative to that folder;
 * - COCO captions: `captions_*.json` with `images[]` (`id`, `file_name`) and `annotations[]` (`image_id`,
 *   `caption`), several captions per image; `file_name` is looked up beside the file, then anywhere in the dataset.
 * - the Hub's Parquet layout: `*.parquet` (e.g. `data/train-00000-of-00001.parquet`), the images inline; read by
 *   parquet-captions.ts (async), every file's rows together.
 * A file that cannot be read at all throws (the dataset is unusable); a bad row becomes a problem and is skipped.
 */
import { parseCsv, CsvError } from './csv';
import { decodeUtf8Strict } from './utf8';
import { zipEntryNames, type ZipEntry } from './zip';

export type CaptionLayout = 'captions' | 'imagefolder' | 'coco' | 'parquet';

export interface CaptionSource {
  entry: ZipEntry;
  layout: CaptionLayout;
  /** Folder of the caption file inside the dataset, with a trailing `/` ('' at the top). */
  base: string;
}

export interface CaptionRow {
  /** 1-based line (CSV: the header is line 1; JSONL: line) or entry (captions.json). */
  row?: number;
  /** Where in a COCO file, e.g. `images[3]`. */
  entry?: string;
  file: string;
  captions: string[];
  /** The image itself, when the caption file holds it (Parquet); else it is looked up by `file`. */
  bytes?: Uint8Array;
}

export interface RowProblem {
  row?: number;
  /** The image the skipped row names, when it can be told (so it is not also reported as unlisted). */
  names?: string;
  message: string;
  fix: string;
}

const LAYOUT_OF: [RegExp, CaptionLayout][] = [
  [/(^|\/)captions\.(csv|json)$/i, 'captions'],
  [/(^|\/)metadata\.(csv|jsonl)$/i, 'imagefolder'],
  [/(^|\/)captions_[^/]*\.json$/i, 'coco'],
  [/\.parquet$/i, 'parquet'],
];
const LAYOUT_NAME: Record<CaptionLayout, string> = { captions: 'captions.csv/captions.json', imagefolder: 'Hugging Face metadata.csv/metadata.jsonl', coco: 'COCO captions_*.json', parquet: 'Hugging Face Parquet (data/train-*.parquet)' };

/** The dataset's caption files, or the reason there is no usable set of them. */
export function findCaptionSources(name: string, files: ZipEntry[]): CaptionSource[] | string {
  const found: CaptionSource[] = [];
  for (const entry of files) {
    const hit = LAYOUT_OF.find(([re]) => re.test(entry.path));
    if (hit) found.push({ entry, layout: hit[1], base: entry.path.slice(0, entry.path.lastIndexOf('/') + 1) });
  }
  if (!found.length) {
    const nested = nestedArchiveNote(name, files);
    if (nested) return nested;
  }
  if (!found.length)
    return `${name}: no captions.csv or captions.json found; add one listing each image as "file,caption" (or give a Hugging Face imagefolder metadata.csv/metadata.jsonl with file_name and text, Hub-style data/train-*.parquet with image and text columns, or COCO captions_*.json)`;
  const layouts = [...new Set(found.map((s) => s.layout))];
  if (layouts.length > 1) return `${name}: caption files of ${layouts.length} kinds found (${found.map((s) => s.entry.path).join(', ')}); keep one kind: ${layouts.map((l) => LAYOUT_NAME[l]).join(' or ')}`;
  if (layouts[0] === 'captions' && found.length > 1) return `${name}: ${found.length} caption files found (${found.map((f) => f.entry.path).join(', ')}); keep exactly one`;
  const twice = found.find((s, i) => found.some((t, j) => j < i && t.base === s.base));
  if (layouts[0] === 'imagefolder' && twice) return `${name}: ${twice.base || 'the top folder'} has two metadata files; keep one (metadata.csv or metadata.jsonl) per folder`;
  return found;
}

const ARCHIVE = /\.(zip|tar|tgz|tar\.gz|tar\.bz2|tar\.xz|7z|rar)$/i;
const CAPTION_FILE = (path: string) => LAYOUT_OF.some(([re]) => re.test(path));

/** A dataset whose captions are inside an archive it holds (a zip zipped again): which archive, and to extract it. */
function nestedArchiveNote(name: string, files: ZipEntry[]): string | null {
  const archives = files.filter((f) => ARCHIVE.test(f.path));
  if (!archives.length) return null;
  const inner = archives.find((a) => /\.zip$/i.test(a.path) && zipEntryNames(a.bytes)?.some(CAPTION_FILE));
  if (inner) return `${name}: the captions are inside ${inner.path}, an archive within this one: extract ${inner.path} and give its folder (or ${inner.path} itself)`;
  return `${name}: no caption file here, but it holds ${archives.length === 1 ? 'another archive' : `${archives.length} archives`} (${archives.map((a) => a.path).slice(0, 3).join(', ')}); extract ${archives.length === 1 ? 'it' : 'them'} and give the folder with the images and their captions.csv`;
}

const TEXT_COLUMNS = ['text', 'caption', 'captions'];

/** The caption column among a table's columns: a known name, else the only column besides the file column. */
function textColumn(columns: string[], fileCol: string, label: string): string {
  const lower = columns.map((c) => c.trim().toLowerCase());
  for (const t of TEXT_COLUMNS) if (lower.includes(t)) return columns[lower.indexOf(t)];
  const others = columns.filter((c) => c !== fileCol);
  if (others.length === 1) return others[0];
  throw new Error(`${label}: no caption column (found: ${columns.join(', ') || 'none'}); name the column holding the captions "text" or "caption"`);
}

const captionsOf = (v: unknown): string[] | null => (typeof v === 'string' ? [v] : Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : v === undefined || v === null ? [] : null);

/**
 * A CSV caption table. Our captions.csv names its columns `file` and `caption`; an imagefolder metadata.csv names
 * `file_name` and a text column (textColumn). Header names are matched trimmed and case-insensitively.
 */
function readCsvTable(text: string, label: string, layout: 'captions' | 'imagefolder', problems: RowProblem[]): CaptionRow[] {
  let records;
  try {
    records = parseCsv(text, true);
  } catch (e) {
    if (e instanceof CsvError) throw new Error(`${label}: ${e.message}`, { cause: e });
    throw e;
  }
  const [fileCol, textCol] = layout === 'captions' ? ['file', 'caption'] : ['file_name', 'text'];
  if (records.length === 0) throw new Error(`${label}: the file is empty; expected a header "${fileCol},${textCol}" and one row per image`);
  if (records[0].error) throw new Error(`${label}: line ${records[0].line} (the header): ${records[0].error}`);
  const header = records[0].fields.map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  const fi = lower.indexOf(fileCol);
  const ci = layout === 'captions' ? lower.indexOf('caption') : fi < 0 ? -1 : header.indexOf(textColumn(header, header[fi], label));
  if (fi < 0 || ci < 0) throw new Error(`${label}: the header must name the columns "${fileCol}" and "${textCol}" (found: ${records[0].fields.join(', ')})`);
  // Every row must have the header's field count: an unquoted comma in a caption makes an extra field, and taking
  // the first fields would load the caption cut at the comma.
  const rows: CaptionRow[] = [];
  for (const r of records.slice(1)) {
    if (r.error) {
      problems.push({ row: r.line, names: r.fields[fi], message: `${r.error.split(';')[0]}; this row was skipped`, fix: 'quote the whole caption and double any quote inside it ("a ""big"" dog")' });
      continue;
    }
    if (r.fields.length !== header.length) {
      const more = r.fields.length > header.length;
      problems.push({
        row: r.line,
        names: r.fields[fi],
        message: `has ${r.fields.length} field${r.fields.length === 1 ? '' : 's'} but the header has ${header.length}; this row was skipped`,
        fix: more ? 'quote captions that contain commas ("a dog, sitting"), with the quote as the first character after the comma' : `give every row ${header.length} fields (${header.join(',')})`,
      });
      continue;
    }
    rows.push({ row: r.line, file: r.fields[fi], captions: [r.fields[ci]] });
  }
  return rows;
}

function parseJson(text: string, label: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${label}: not valid JSON (${(e as Error).message}); expected ${expected}`, { cause: e });
  }
}

function readJsonl(text: string, label: string, problems: RowProblem[]): CaptionRow[] {
  const lines = text.split(/\r?\n/);
  const objects: { line: number; o: Record<string, unknown> }[] = [];
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(l);
    } catch (e) {
      problems.push({ row: i + 1, message: `not valid JSON (${(e as Error).message}); this line was skipped`, fix: 'write one JSON object per line: {"file_name": "...", "text": "..."}' });
      return;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) problems.push({ row: i + 1, message: 'not a JSON object; this line was skipped', fix: 'write one JSON object per line: {"file_name": "...", "text": "..."}' });
    else objects.push({ line: i + 1, o: o as Record<string, unknown> });
  });
  if (!objects.length && !problems.length) throw new Error(`${label}: the file is empty; expected one {"file_name": "...", "text": "..."} object per line`);
  const keys = [...new Set(objects.flatMap(({ o }) => Object.keys(o)))];
  if (objects.length && !keys.includes('file_name')) throw new Error(`${label}: no "file_name" field (found: ${keys.join(', ')}); a Hugging Face imagefolder metadata file names each image in "file_name"`);
  const col = objects.length ? textColumn(keys, 'file_name', label) : 'text';
  const rows: CaptionRow[] = [];
  for (const { line, o } of objects) {
    const caps = captionsOf(o[col]);
    if (typeof o.file_name !== 'string' || caps === null) {
      problems.push({ row: line, message: `"file_name" must be a string and "${col}" a string or a list of strings; this line was skipped`, fix: `give each line a "file_name" and a "${col}"` });
      continue;
    }
    rows.push({ row: line, file: o.file_name, captions: caps });
  }
  return rows;
}

function readCaptionsJson(text: string, label: string, problems: RowProblem[]): CaptionRow[] {
  const json = parseJson(text, label, '[{"file": "...", "caption": "..."}]');
  if (!Array.isArray(json)) throw new Error(`${label}: expected a JSON array of {"file", "caption"} objects`);
  return json.map((r, i) => {
    const o = (r ?? {}) as Record<string, unknown>;
    const ok = typeof o.file === 'string' && (typeof o.caption === 'string' || o.caption === undefined || o.caption === null);
    if (!ok) problems.push({ row: i + 1, message: 'entry is not {"file": string, "caption": string}', fix: 'give each entry a "file" and a "caption" string' });
    return { row: i + 1, file: ok ? (o.file as string) : '', captions: ok ? [String(o.caption ?? '')] : [''] };
  });
}

function readCoco(text: string, label: string, problems: RowProblem[]): CaptionRow[] {
  const json = parseJson(text, label, 'COCO captions: {"images": [...], "annotations": [...]}') as Record<string, unknown> | null;
  if (!json || typeof json !== 'object' || !Array.isArray(json.images) || !Array.isArray(json.annotations))
    throw new Error(`${label}: not COCO captions: expected {"images": [{"id", "file_name"}], "annotations": [{"image_id", "caption"}]}`);
  const byId = new Map<unknown, CaptionRow>();
  const rows: CaptionRow[] = [];
  (json.images as unknown[]).forEach((img, i) => {
    const o = (img ?? {}) as Record<string, unknown>;
    if ((typeof o.id !== 'number' && typeof o.id !== 'string') || typeof o.file_name !== 'string') {
      problems.push({ message: `images[${i}] needs an "id" and a "file_name"; it was skipped`, fix: 'give each image its id and file name' });
      return;
    }
    if (byId.has(o.id)) {
      problems.push({ message: `images[${i}]: id ${JSON.stringify(o.id)} is used twice; this image was skipped`, fix: 'give each image its own id' });
      return;
    }
    const row: CaptionRow = { entry: `images[${i}]`, file: o.file_name, captions: [] };
    byId.set(o.id, row);
    rows.push(row);
  });
  (json.annotations as unknown[]).forEach((a, j) => {
    const o = (a ?? {}) as Record<string, unknown>;
    const row = byId.get(o.image_id);
    // COCO ids are numbers; a converter that writes one side as strings ("1" vs 1) matches nothing: name it.
    const other = typeof o.image_id === 'string' && /^\d+$/.test(o.image_id) ? Number(o.image_id) : typeof o.image_id === 'number' ? String(o.image_id) : undefined;
    if (!row && other !== undefined && byId.has(other))
      problems.push({ message: `annotations[${j}]: image_id ${JSON.stringify(o.image_id)} is a ${typeof o.image_id} but images[] has the id ${JSON.stringify(other)} as a ${typeof other}; the caption was skipped`, fix: 'write the ids with one type in images[].id and annotations[].image_id (COCO uses numbers)' });
    else if (!row) problems.push({ message: `annotations[${j}]: image_id ${JSON.stringify(o.image_id)} is not in images; the caption was skipped`, fix: 'add the image to images[] or fix the image_id' });
    else if (typeof o.caption !== 'string') problems.push({ message: `annotations[${j}] has no "caption" string; it was skipped`, fix: 'give each annotation a caption' });
    else row.captions.push(o.caption);
  });
  return rows;
}

/** Rows of one caption file (not Parquet: parquet-captions.ts). Throws (with the file named) when the file cannot be read at all. */
export function readCaptionRows(src: CaptionSource, label: string, problems: RowProblem[]): CaptionRow[] {
  const text = decodeUtf8Strict(src.entry.bytes); // a Utf8Error is handled by the caller: an unreadable caption file is fatal
  const json = src.entry.path.toLowerCase().endsWith('.json');
  if (src.layout === 'captions') return json ? readCaptionsJson(text, label, problems) : readCsvTable(text, label, 'captions', problems);
  if (src.layout === 'coco') return readCoco(text, label, problems);
  return src.entry.path.toLowerCase().endsWith('.jsonl') ? readJsonl(text, label, problems) : readCsvTable(text, label, 'imagefolder', problems);
}
