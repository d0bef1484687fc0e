/**
 * Pre-computed VQ codes: every image of a dataset turned into its g×g code grid once, so an experiment does not
 * encode thousands of images before its first step. A code table is keyed by the VQ tokenizer that made it (the
 * SHA-256 of its weights file and its architecture): another tokenizer's codes are never used. `npm run build-data`
 * writes the shipped emoji's tables (public/data/emoji/codes.json + one binary per style); the page caches
 * bring-your-own tables in IndexedDB under the dataset's hash and the same key.
 *
 * Binary layout: n × g² codes, each an unsigned 16-bit little-endian integer (codebooks up to 65,536 codes), in the
 * dataset's own image order (the emoji: atlas order).
 */
import type { VQVAE, VQVAEConfig } from '../nn/vqvae';
import { loadVQ, type VQCheckpointMeta } from '../checkpoint/vq';
import type { FileSource } from '../checkpoint/source';

/** public/data/emoji/codes.json: which tokenizer the shipped tables belong to, and one table per style. */
export interface CodesIndex {
  version: 1;
  /** The VQ tokenizer the codes come from: its directory under public/ and its key (vqKey). */
  vq: { dir: string; key: string };
  /** Per style: the binary file (under emoji/), its image count and code-grid side. */
  styles: Record<string, { file: string; count: number; grid: number }>;
}

export const CODES_INDEX = 'emoji/codes.json';

/** Hex SHA-256 of some bytes (Web Crypto: Node ≥ 19, browsers, workers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The key of a VQ tokenizer's codes: SHA-256 of its model.safetensors bytes followed by its architecture (config.json's
 * `model`, as canonical JSON). Provenance and metrics in config.json do not change it; any change to a weight does.
 */
export async function vqKey(weights: Uint8Array, model: VQVAEConfig): Promise<string> {
  const arch = new TextEncoder().encode(JSON.stringify(Object.fromEntries(Object.entries(model).sort(([a], [b]) => a.localeCompare(b)))));
  const all = new Uint8Array(weights.length + arch.length);
  all.set(weights);
  all.set(arch, weights.length);
  return sha256Hex(all);
}

/** Load a VQ tokenizer (checkpoint/vq.ts) and its codes key, reading its weights once. */
export async function loadVQWithKey(src: FileSource, scope?: string): Promise<{ model: VQVAE; meta: VQCheckpointMeta; key: string }> {
  let weights: Uint8Array | null = null;
  const remembering: FileSource = {
    label: src.label,
    read: async (f) => {
      const bytes = await src.read(f);
      if (f === 'model.safetensors') weights = bytes;
      return bytes;
    },
  };
  const { model, meta } = await loadVQ(remembering, scope);
  return { model, meta, key: await vqKey(weights!, meta.model) };
}

/** Codes [n × g²] as the binary layout above. Throws when a code does not fit 16 bits. */
export function encodeCodeTable(codes: Int32Array): Uint8Array {
  const out = new Uint8Array(codes.length * 2);
  const view = new DataView(out.buffer);
  codes.forEach((c, i) => {
    if (c < 0 || c > 0xffff || !Number.isInteger(c)) throw new Error(`code ${c} at position ${i} does not fit an unsigned 16-bit integer`);
    view.setUint16(2 * i, c, true);
  });
  return out;
}

/** The binary layout back to codes, checked against the expected image count, grid and codebook size (`file` names it in errors). */
export function decodeCodeTable(bytes: Uint8Array, count: number, grid: number, codebookSize: number, file: string): Int32Array {
  const n = count * grid * grid;
  if (bytes.length !== 2 * n) throw new Error(`${file}: ${bytes.length} bytes, but ${count} images of ${grid}×${grid} codes need ${2 * n}; run npm run build-data`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = view.getUint16(2 * i, true);
    if (c >= codebookSize) throw new Error(`${file}: code ${c} at image ${Math.floor(i / (grid * grid))} is outside the codebook of ${codebookSize}; run npm run build-data`);
    out[i] = c;
  }
  return out;
}

/** The rows of `table` ([n × P]) at `indices`, in that order. */
export function pickCodes(table: Int32Array, indices: number[], P: number): Int32Array {
  const out = new Int32Array(indices.length * P);
  indices.forEach((i, k) => {
    if (i < 0 || (i + 1) * P > table.length) throw new Error(`image ${i} is outside a code table of ${table.length / P} images`);
    out.set(table.subarray(i * P, (i + 1) * P), k * P);
  });
  return out;
}

/**
 * The shipped codes of an emoji style for the tokenizer with key `key`, or null with the reason when there are none
 * for it (no index, another tokenizer, another style). `read` reads a file under public/data.
 */
export async function shippedEmojiCodes(read: (path: string) => Promise<Uint8Array>, style: string, key: string, codebookSize: number): Promise<{ codes: Int32Array } | { codes: null; why: string }> {
  let index: CodesIndex;
  try {
    index = JSON.parse(new TextDecoder().decode(await read(CODES_INDEX))) as CodesIndex;
  } catch (e) {
    return { codes: null, why: `${CODES_INDEX} is missing or unreadable (${(e as Error).message}); run npm run build-data` };
  }
  if (index.version !== 1 || !index.vq || !index.styles) return { codes: null, why: `${CODES_INDEX} is not a version 1 codes index; run npm run build-data` };
  if (index.vq.key !== key) return { codes: null, why: `the shipped codes belong to another VQ tokenizer (${index.vq.key.slice(0, 12)}…, not ${key.slice(0, 12)}…); run npm run build-data after changing it` };
  const entry = index.styles[style];
  if (!entry) return { codes: null, why: `${CODES_INDEX} has no codes for the ${style} style` };
  const file = `emoji/${entry.file}`;
  return { codes: decodeCodeTable(await read(file), entry.count, entry.grid, codebookSize, file) };
}
