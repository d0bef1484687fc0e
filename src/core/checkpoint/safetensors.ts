/**
 * safetensors read and write (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the raw data.
 * Reading validates the whole header against the file before any tensor is used; weights load as float32 from
 * F32, F16 or BF16. Writing produces F32 with the header padded to 8 bytes, as the reference implementation does.
 */
import { CheckpointError } from './errors';

export const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};
/** Dtypes that load as float32 weights. */
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16'] as const;

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range inside the data section (after the header). */
  begin: number;
  end: number;
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

const MAX_HEADER = 100 * 1024 * 1024;

export class SafetensorsFile {
  constructor(
    readonly fileName: string,
    readonly bytes: Uint8Array,
    readonly dataStart: number,
    readonly tensors: Map<string, TensorInfo>,
    readonly metadata: Record<string, string>,
  ) {}

  /** A tensor as float32 (F32, F16 or BF16 in the file); refuses other dtypes by name. */
  getFloat32(name: string): Float32Array {
    const t = this.tensors.get(name);
    if (!t) throw new CheckpointError(this.fileName, 'missing from the file', name);
    const start = this.dataStart + t.begin;
    const n = (t.end - t.begin) / DTYPE_BYTES[t.dtype];
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + start, t.end - t.begin);
    const out = new Float32Array(n);
    if (t.dtype === 'F32') {
      if (LITTLE_ENDIAN) out.set(new Float32Array(this.bytes.slice(start, start + 4 * n).buffer));
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    } else if (t.dtype === 'F16') {
      for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(2 * i, true));
    } else if (t.dtype === 'BF16') {
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(2 * i, true) << 16;
    } else {
      throw new CheckpointError(
        this.fileName,
        `dtype ${t.dtype} cannot be loaded as weights (only ${FLOAT_DTYPES.join(', ')})`,
        name,
      );
    }
    return out;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE half → float. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Why a header that fails to parse ends in NUL bytes, when it does: a writer that zero-fills its buffer pads with
 * 0x00 where the format pads with spaces (0x20). huggingface/safetensors (0.8.0, tried) refuses such a file
 * ("invalid JSON in header: trailing characters"), so it is refused here too, saying what the bytes are and the fix.
 */
function nulPadding(head: Uint8Array): string | null {
  let k = head.length;
  while (k > 0 && head[k - 1] === 0) k--;
  const nuls = head.length - k;
  if (!nuls) return null;
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, k)));
  } catch {
    return null;
  }
  return `the header ends in ${nuls} NUL byte${nuls === 1 ? '' : 's'} (0x00) of padding (bytes ${8 + k}–${8 + head.length - 1} of the file); safetensors pads its header with spaces (0x20) and its reference reader refuses NUL padding, so this one does too: re-save the file with the safetensors library, or replace those ${nuls} bytes with 0x20`;
}

/** Parse and fully validate a safetensors file. `fileName` is used in every message. */
export function parseSafetensors(bytes: Uint8Array, fileName: string): SafetensorsFile {
  if (bytes.length === 0)
    throw new CheckpointError(
      fileName,
      'the file is empty; expected a safetensors file (8-byte header length, JSON header, data)',
    );
  if (bytes.length < 8)
    throw new CheckpointError(
      fileName,
      `the file is ${bytes.length} bytes, shorter than the 8-byte header length; it is truncated or not safetensors`,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > bytes.length - 8)
    throw new CheckpointError(
      fileName,
      `header length ${n} bytes is beyond the end of the file (${bytes.length} bytes); the file is truncated or not safetensors`,
    );
  if (n > MAX_HEADER)
    throw new CheckpointError(fileName, `header length ${n} bytes exceeds the ${MAX_HEADER}-byte limit`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new CheckpointError(
      fileName,
      nulPadding(bytes.subarray(8, 8 + n)) ??
        `the header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new CheckpointError(fileName, 'the header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Object.values(raw).some((v) => typeof v !== 'string'))
        throw new CheckpointError(fileName, '__metadata__ must map strings to strings');
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw new CheckpointError(fileName, 'header entry is not an object', name);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES))
      throw new CheckpointError(
        fileName,
        `unknown dtype ${JSON.stringify(e.dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`,
        name,
      );
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new CheckpointError(
        fileName,
        `shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`,
        name,
      );
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((d) => !Number.isInteger(d) || d < 0) || off[0] > off[1])
      throw new CheckpointError(
        fileName,
        `data_offsets ${JSON.stringify(off)} must be [begin, end] with 0 ≤ begin ≤ end`,
        name,
      );
    const [begin, end] = off as number[];
    if (end > dataLen)
      throw new CheckpointError(
        fileName,
        `data_offsets [${begin}, ${end}] are beyond the data section (${dataLen} bytes); the file is truncated`,
        name,
      );
    const shape = e.shape as number[];
    const need = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[e.dtype];
    if (need !== end - begin)
      throw new CheckpointError(
        fileName,
        `shape [${shape}] × ${e.dtype} needs ${need} bytes but data_offsets give ${end - begin}`,
        name,
      );
    tensors.set(name, { name, dtype: e.dtype, shape, begin, end });
  }
  // Tensors must tile the data section: no overlap, no gap, nothing left over (as the reference reader checks).
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of sorted) {
    if (t.begin !== cursor)
      throw new CheckpointError(
        fileName,
        t.begin < cursor
          ? `overlaps the previous tensor (begins at ${t.begin}, previous ends at ${cursor})`
          : `leaves a gap of ${t.begin - cursor} bytes before it`,
        t.name,
      );
    cursor = t.end;
  }
  if (cursor !== dataLen)
    throw new CheckpointError(fileName, `${dataLen - cursor} bytes at the end of the data section belong to no tensor`);
  return new SafetensorsFile(fileName, bytes, dataStart, tensors, metadata);
}

/** Serialise float32 tensors (in the given order) with optional string metadata. */
export function writeSafetensors(tensors: NamedArray[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length)
      throw new Error(`writeSafetensors: ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    if (t.name in header) throw new Error(`writeSafetensors: duplicate tensor ${t.name}`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  while (enc.encode(json).length % 8 !== 0) json += ' ';
  const head = enc.encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  const dv = new DataView(out.buffer, 8 + head.length);
  let p = 0;
  for (const t of tensors) for (let i = 0; i < t.data.length; i++, p += 4) dv.setFloat32(p, t.data[i], true);
  return out;
}
