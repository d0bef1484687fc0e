/**
 * The Hugging Face Hub's image–caption layout (what `datasets` pushes: `data/train-00000-of-00001.parquet`, …) as
 * caption rows with their images inline: an image column — a struct `{bytes, path}` as the `Image` feature stores it,
 * or plain binary — named `image` (else the only such column), and a text column found as caption-files.ts finds one
 * (`text`, `caption` or `captions`, else the only other string column; a value may be a list of captions). Read by
 * hyparquet (uncompressed, Snappy, Gzip, Brotli … as it supports). A file that cannot be read, or has no image or no
 * text column, throws naming it; a row without image bytes or with a caption of the wrong type is a row problem.
 */
import { parquetReadObjects } from 'hyparquet';
import type { CaptionRow, RowProblem } from './caption-files';

const TEXT_COLUMNS = ['text', 'caption', 'captions'];

const imageBytes = (v: unknown): Uint8Array | null | undefined => {
  if (v instanceof Uint8Array) return v;
  if (v && typeof v === 'object' && 'bytes' in v) return (v as { bytes: unknown }).bytes instanceof Uint8Array ? ((v as { bytes: Uint8Array }).bytes) : null;
  return undefined; // not an image value
};

/** Rows of one Parquet file (`label` names it in messages); row numbers are 1-based. */
export async function readParquetRows(bytes: Uint8Array, label: string, problems: RowProblem[]): Promise<CaptionRow[]> {
  let rows: Record<string, unknown>[];
  try {
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = (await parquetReadObjects({ file, utf8: false })) as Record<string, unknown>[];
  } catch (e) {
    throw new Error(`${label}: cannot be read as Parquet (${(e as Error).message}); re-save it with pyarrow or datasets (Snappy, Gzip or no compression)`, { cause: e });
  }
  if (rows.length === 0) throw new Error(`${label}: has no rows; expected one row per image with an "image" and a "text" column`);
  const columns = Object.keys(rows[0]);
  const isImage = (c: string) => rows.some((r) => imageBytes(r[c]) instanceof Uint8Array);
  const images = columns.filter(isImage);
  const image = images.includes('image') ? 'image' : images.length === 1 ? images[0] : null;
  if (!image) throw new Error(`${label}: ${images.length ? `several image columns (${images.join(', ')}); name the one to use "image"` : `no image column (found: ${columns.join(', ')}); a Hub image dataset stores each image as {bytes, path} in a column "image"`}`);
  const others = columns.filter((c) => c !== image && !images.includes(c));
  const lower = others.map((c) => c.toLowerCase());
  const named = TEXT_COLUMNS.find((t) => lower.includes(t));
  const strings = others.filter((c) => rows.some((r) => typeof r[c] === 'string' || Array.isArray(r[c])));
  const text = named ? others[lower.indexOf(named)] : strings.length === 1 ? strings[0] : null;
  if (!text) throw new Error(`${label}: no caption column (found: ${columns.join(', ')}); name the column holding the captions "text" or "caption"`);
  const out: CaptionRow[] = [];
  rows.forEach((r, i) => {
    const row = i + 1;
    const img = imageBytes(r[image]);
    const v = r[text];
    const captions = typeof v === 'string' ? [v] : Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : v === null || v === undefined ? [] : null;
    if (!(img instanceof Uint8Array)) {
      problems.push({ row, message: `"${image}" has no image bytes; this row was skipped`, fix: 'store the image file\'s bytes in the row (datasets\' Image feature does)' });
      return;
    }
    if (captions === null) {
      problems.push({ row, message: `"${text}" must be a string or a list of strings; this row was skipped`, fix: `give the row a caption in "${text}"` });
      return;
    }
    const path = (r[image] as { path?: unknown } | null)?.path;
    out.push({ row, file: typeof path === 'string' && path !== '' ? path : `${image} of row ${row}`, captions, bytes: img });
  });
  return out;
}
