// What a browser shows of a file beyond its plain pixels, done the same way in Node: the first frame of an animated
// PNG (APNG spec: fcTL/fdAT) or WebP (RIFF ANMF), drawn at its offset on a transparent canvas, and the EXIF
// orientation of a PNG's eXIf chunk (Chromium applies it; it ignores a WebP's EXIF chunk, and so do we). Also the
// one size claim pngjs does not enforce: an interlaced PNG's image data is inflated with no bound there.
import { inflateSync } from 'node:zlib';
import type { RGBAImage } from '../core/data/images';

interface Chunk {
  type: string;
  data: Uint8Array;
}

const be32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const le24 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function pngChunks(b: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  for (let o = 8; o + 12 <= b.length;) {
    const len = be32(b, o);
    out.push({
      type: String.fromCharCode(...b.subarray(o + 4, o + 8)),
      data: b.subarray(o + 8, Math.min(b.length, o + 8 + len)),
    });
    o += 12 + len;
  }
  return out;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(ascii(type), 4);
  out.set(data, 8);
  let c = 0xffffffff;
  for (let i = 4; i < 8 + data.length; i++) {
    c ^= out[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  v.setUint32(8 + data.length, (c ^ 0xffffffff) >>> 0);
  return out;
}

export interface Frame {
  /** A still file holding just the first frame. */
  file: Uint8Array;
  x: number;
  y: number;
  canvas: { width: number; height: number };
}

/**
 * The first frame of an animated PNG as a still PNG, or null when the file is not animated or its IDAT image is
 * the first frame (then every PNG decoder already shows it). When the IDAT is outside the animation (no fcTL
 * before it), browsers show the first fcTL/fdAT frame instead.
 */
export function apngFirstFrame(b: Uint8Array): Frame | null {
  const chunks = pngChunks(b);
  if (!chunks.some((c) => c.type === 'acTL')) return null;
  const idat = chunks.findIndex((c) => c.type === 'IDAT');
  const fctl = chunks.findIndex((c) => c.type === 'fcTL');
  if (fctl < 0 || idat < 0 || fctl < idat) return null;
  const ihdr = chunks[0];
  const f = chunks[fctl].data;
  const [w, h, x, y] = [be32(f, 4), be32(f, 8), be32(f, 12), be32(f, 16)];
  const canvas = { width: be32(ihdr.data, 0), height: be32(ihdr.data, 4) };
  if (w === 0 || h === 0 || x + w > canvas.width || y + h > canvas.height)
    throw new Error(
      `the first animation frame (${w}×${h} at ${x},${y}) lies outside the ${canvas.width}×${canvas.height} image`,
    );
  const data: Uint8Array[] = [];
  for (let i = fctl + 1; i < chunks.length && chunks[i].type === 'fdAT'; i++) data.push(chunks[i].data.subarray(4));
  if (!data.length) throw new Error('the first animation frame has no image data (fdAT)');
  const header = Uint8Array.from(ihdr.data);
  new DataView(header.buffer).setUint32(0, w);
  new DataView(header.buffer).setUint32(4, h);
  const ancillary = chunks.slice(1, idat).filter((c) => !['acTL', 'fcTL'].includes(c.type));
  const file = concat([
    b.subarray(0, 8),
    pngChunk('IHDR', header),
    ...ancillary.map((c) => pngChunk(c.type, c.data)),
    pngChunk('IDAT', concat(data)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
  return { file, x, y, canvas };
}

function riffChunks(b: Uint8Array, from: number, to: number): Chunk[] {
  const out: Chunk[] = [];
  for (let o = from; o + 8 <= to;) {
    const len = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24);
    out.push({
      type: String.fromCharCode(...b.subarray(o, o + 4)),
      data: b.subarray(o + 8, Math.min(to, o + 8 + len)),
    });
    o += 8 + len + (len % 2);
  }
  return out;
}

function riffChunk(type: string, data: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  head.set(ascii(type));
  new DataView(head.buffer).setUint32(4, data.length, true);
  return concat([head, data, data.length % 2 ? new Uint8Array(1) : new Uint8Array(0)]);
}

function riff(chunks: Uint8Array[]): Uint8Array {
  const body = concat([ascii('WEBP'), ...chunks]);
  return concat([riffChunk('RIFF', body).subarray(0, 8), body]);
}

/** The first frame of an animated WebP (VP8X with the animation flag) as a still WebP, or null if not animated. */
export function webpFirstFrame(b: Uint8Array): Frame | null {
  const chunks = riffChunks(b, 12, b.length);
  const vp8x = chunks.find((c) => c.type === 'VP8X');
  if (!vp8x || !(vp8x.data[0] & 0x02)) return null;
  const canvas = { width: le24(vp8x.data, 4) + 1, height: le24(vp8x.data, 7) + 1 };
  const anmf = chunks.find((c) => c.type === 'ANMF');
  if (!anmf) throw new Error('an animated WebP without frames (no ANMF chunk)');
  const a = anmf.data;
  const [x, y, w, h] = [2 * le24(a, 0), 2 * le24(a, 3), le24(a, 6) + 1, le24(a, 9) + 1];
  if (x + w > canvas.width || y + h > canvas.height)
    throw new Error(
      `the first animation frame (${w}×${h} at ${x},${y}) lies outside the ${canvas.width}×${canvas.height} canvas`,
    );
  const sub = riffChunks(a, 16, a.length);
  const alph = sub.find((c) => c.type === 'ALPH');
  const image = sub.find((c) => c.type === 'VP8 ' || c.type === 'VP8L');
  if (!image) throw new Error('the first animation frame has no image data (VP8/VP8L)');
  const parts: Uint8Array[] = [];
  if (alph && image.type === 'VP8 ') {
    const x8 = new Uint8Array(10);
    x8[0] = 0x10;
    x8.set([(w - 1) & 255, ((w - 1) >> 8) & 255, (w - 1) >> 16, (h - 1) & 255, ((h - 1) >> 8) & 255, (h - 1) >> 16], 4);
    parts.push(riffChunk('VP8X', x8), riffChunk('ALPH', alph.data));
  }
  parts.push(riffChunk(image.type, image.data));
  return { file: riff(parts), x, y, canvas };
}

/** A decoded frame drawn at (x, y) on a transparent canvas (how browsers show frame one). */
export function placeFrame(img: RGBAImage, f: Frame): RGBAImage {
  if (img.width + f.x > f.canvas.width || img.height + f.y > f.canvas.height)
    throw new Error('the first animation frame does not fit its canvas');
  if (f.x === 0 && f.y === 0 && img.width === f.canvas.width && img.height === f.canvas.height) return img;
  const out = new Uint8Array(f.canvas.width * f.canvas.height * 4);
  for (let r = 0; r < img.height; r++)
    out.set(img.data.subarray(r * img.width * 4, (r + 1) * img.width * 4), ((f.y + r) * f.canvas.width + f.x) * 4);
  return { width: f.canvas.width, height: f.canvas.height, data: out };
}

/** The TIFF block of a PNG's eXIf chunk (before the image data, where decoders read it), or null. */
export function pngExif(b: Uint8Array): Uint8Array | null {
  for (const c of pngChunks(b)) {
    if (c.type === 'IDAT') return null;
    if (c.type === 'eXIf') return c.data;
  }
  return null;
}

/**
 * Apply an EXIF orientation (TIFF tag 0x0112, 1–8) to decoded pixels: 2 mirror, 3 rotate 180°, 4 flip, 5
 * transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise. Other values: unchanged.
 */
export function applyOrientation(img: RGBAImage, o: number): RGBAImage {
  if (!(o >= 2 && o <= 8)) return img;
  const { width: w, height: h } = img;
  const swap = o >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const src: Record<number, (x: number, y: number) => [number, number]> = {
    2: (x, y) => [w - 1 - x, y],
    3: (x, y) => [w - 1 - x, h - 1 - y],
    4: (x, y) => [x, h - 1 - y],
    5: (x, y) => [y, x],
    6: (x, y) => [y, h - 1 - x],
    7: (x, y) => [w - 1 - y, h - 1 - x],
    8: (x, y) => [w - 1 - y, x],
  };
  const map = src[o];
  const out = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const [sx, sy] = map(x, y);
      const s = (sy * w + sx) * 4;
      out.set(img.data.subarray(s, s + 4), (y * W + x) * 4);
    }
  return { width: W, height: H, data: out };
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * For an interlaced PNG, inflate its image data with a cap at the size its header implies (the seven Adam7 passes'
 * filtered rows): data that inflates to more is a decompression bomb and throws here, before pngjs, which inflates
 * interlaced data without a limit. Non-interlaced PNGs are capped by pngjs itself.
 */
export function checkPngInflation(b: Uint8Array): void {
  const chunks = pngChunks(b);
  const ihdr = chunks[0]?.type === 'IHDR' ? chunks[0].data : null;
  if (!ihdr || ihdr[12] !== 1) return;
  const [w, h, depth, colour] = [be32(ihdr, 0), be32(ihdr, 4), ihdr[8], ihdr[9]];
  const bits = depth * (CHANNELS[colour] ?? 4);
  let expected = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((w - x0) / dx);
    const ph = Math.ceil((h - y0) / dy);
    if (pw > 0 && ph > 0) expected += ph * (1 + Math.ceil((pw * bits) / 8));
  }
  const idat = concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  try {
    inflateSync(idat, { maxOutputLength: Math.max(1, expected) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new Error(`its image data inflates to more than the ${w}×${h} its header states (a decompression bomb)`, {
        cause: e,
      });
  }
}
