// Test inputs built byte by byte: PNG/JPEG/WebP files with EXIF orientation, animated PNG and WebP, 4:2:0 JPEGs,
// headers that claim huge sizes, and zips with legacy (non-UTF-8) names or the encryption flag. Node only: the
// encoders are pngjs, mozjpeg (@jsquash/jpeg) and libwebp (@jsquash/webp) in wasm.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
type Raw = { width: number; height: number; data: Uint8Array | Uint8ClampedArray };

/** A w×h RGBA test pattern: every pixel different, so rotations, flips and frame mix-ups all show. */
export function pattern(w: number, h: number, seed = 0): Raw {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      data.set(
        [(x * 255) / Math.max(1, w - 1), (y * 255) / Math.max(1, h - 1), (seed * 97 + x * 13 + y * 29) % 256, 255],
        (y * w + x) * 4,
      );
  return { width: w, height: h, data };
}

/** Smooth colour gradients (what a photo looks like to a JPEG encoder). */
export function photo(w: number, h: number): Raw {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      data.set(
        [128 + 120 * Math.sin(x / 5), 128 + 120 * Math.cos(y / 7), 128 + 100 * Math.sin((x + y) / 9), 255],
        (y * w + x) * 4,
      );
  return { width: w, height: h, data };
}

const u32be = (n: number) => Uint8Array.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const u16be = (n: number) => Uint8Array.from([n >>> 8, n & 255]);
const u32le = (n: number) => Uint8Array.from([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24]);
const u24le = (n: number) => Uint8Array.from([n & 255, (n >>> 8) & 255, (n >>> 16) & 255]);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A big-endian TIFF block with one IFD0 entry: Orientation (0x0112) = o. */
export function tiffOrientation(o: number): Uint8Array {
  return concat(
    ascii('MM'),
    u16be(42),
    u32be(8),
    u16be(1),
    u16be(0x0112),
    u16be(3),
    u32be(1),
    u16be(o),
    u16be(0),
    u32be(0),
  );
}

// ---- PNG ----

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const td = concat(ascii(type), data);
  return concat(u32be(data.length), td, u32be(crc32(td)));
}

/** The chunks of a PNG file, in order. */
export function pngChunks(file: Uint8Array): { type: string; data: Uint8Array }[] {
  const out: { type: string; data: Uint8Array }[] = [];
  for (let o = 8; o + 8 <= file.length;) {
    const len = (file[o] << 24) | (file[o + 1] << 16) | (file[o + 2] << 8) | file[o + 3];
    out.push({ type: String.fromCharCode(...file.subarray(o + 4, o + 8)), data: file.subarray(o + 8, o + 8 + len) });
    o += 12 + len;
  }
  return out;
}

export function encodePng(img: Raw): Uint8Array {
  const p = new PNG({ width: img.width, height: img.height });
  p.data.set(img.data);
  return new Uint8Array(PNG.sync.write(p));
}

/** A PNG with chunks inserted before the first IDAT. */
export function pngWith(img: Raw, before: Uint8Array[]): Uint8Array {
  const chunks = pngChunks(encodePng(img));
  const i = chunks.findIndex((c) => c.type === 'IDAT');
  return concat(
    ascii('\x89PNG\r\n\x1a\n'),
    ...chunks.slice(0, i).map((c) => pngChunk(c.type, c.data)),
    ...before,
    ...chunks.slice(i).map((c) => pngChunk(c.type, c.data)),
  );
}

/** An Adam7-interlaced 8-bit RGBA PNG (pngjs writes none), filter type 0 on every row; `idat` replaces its data. */
export function interlacedPng(img: Raw, idat?: Uint8Array): Uint8Array {
  const { width: w, height: h } = img;
  const rows: number[] = [];
  for (const [x0, y0, dx, dy] of [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ]) {
    if (x0 >= w || y0 >= h) continue;
    for (let y = y0; y < h; y += dy) {
      rows.push(0);
      for (let x = x0; x < w; x += dx) rows.push(...img.data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4));
    }
  }
  const ihdr = concat(u32be(w), u32be(h), Uint8Array.of(8, 6, 0, 0, 1));
  return concat(
    ascii('\x89PNG\r\n\x1a\n'),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat ?? new Uint8Array(deflateSync(Uint8Array.from(rows)))),
    pngChunk('IEND', new Uint8Array(0)),
  );
}

/** A PNG whose IHDR claims w×h but holds the IDAT of a 1×1 image (the "header bomb"). */
export function pngClaiming(w: number, h: number): Uint8Array {
  const chunks = pngChunks(encodePng(pattern(1, 1)));
  const ihdr = Uint8Array.from(chunks[0].data);
  ihdr.set(u32be(w), 0);
  ihdr.set(u32be(h), 4);
  return concat(
    ascii('\x89PNG\r\n\x1a\n'),
    pngChunk('IHDR', ihdr),
    ...chunks.slice(1).map((c) => pngChunk(c.type, c.data)),
  );
}

/**
 * An animated PNG of same-size frames. With `still`, the IDAT (the image non-APNG readers show) is that image and
 * lies outside the animation, which starts at frames[0] (an fdAT frame).
 */
export function apng(frames: Raw[], still?: Raw): Uint8Array {
  const { width: w, height: h } = frames[0];
  const idat = (img: Raw) =>
    concat(
      ...pngChunks(encodePng(img))
        .filter((c) => c.type === 'IDAT')
        .map((c) => c.data),
    );
  const ihdr = pngChunks(encodePng(frames[0]))[0];
  let seq = 0;
  const fctl = () =>
    pngChunk(
      'fcTL',
      concat(u32be(seq++), u32be(w), u32be(h), u32be(0), u32be(0), u16be(1), u16be(10), Uint8Array.of(0, 0)),
    );
  const parts: Uint8Array[] = [
    ascii('\x89PNG\r\n\x1a\n'),
    pngChunk('IHDR', ihdr.data),
    pngChunk('acTL', concat(u32be(frames.length), u32be(0))),
  ];
  if (still) parts.push(pngChunk('IDAT', idat(still)));
  frames.forEach((f, k) => {
    parts.push(fctl());
    if (k === 0 && !still) parts.push(pngChunk('IDAT', idat(f)));
    else parts.push(pngChunk('fdAT', concat(u32be(seq++), idat(f))));
  });
  parts.push(pngChunk('IEND', new Uint8Array(0)));
  return concat(...parts);
}

// ---- JPEG ----

let jpegEnc: Promise<(img: ImageData, o: Record<string, unknown>) => Promise<ArrayBuffer>> | null = null;
/** Baseline (or progressive) JPEG through mozjpeg; `subsample` is the luma sampling factor: 2 is 4:2:0 (what cameras write), 1 is 4:4:4. */
export async function encodeJpeg(img: Raw, quality = 85, subsample = 2, progressive = false): Promise<Uint8Array> {
  jpegEnc ??= (async () => {
    const mod = await import('@jsquash/jpeg/encode.js');
    await mod.init(
      await WebAssembly.compile(readFileSync(require.resolve('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'))),
    );
    return mod.default as unknown as (img: ImageData, o: Record<string, unknown>) => Promise<ArrayBuffer>;
  })();
  const data = new Uint8ClampedArray(img.data);
  const enc = await (
    await jpegEnc
  )({ data, width: img.width, height: img.height, colorSpace: 'srgb' } as ImageData, {
    quality,
    baseline: true,
    progressive,
    auto_subsample: false,
    chroma_subsample: subsample,
  });
  return new Uint8Array(enc);
}

/** A JPEG with an APP1 Exif segment (Orientation = o) right after SOI. */
export function jpegWithOrientation(jpeg: Uint8Array, o: number): Uint8Array {
  const body = concat(ascii('Exif\0\0'), tiffOrientation(o));
  return concat(jpeg.subarray(0, 2), Uint8Array.of(0xff, 0xe1), u16be(body.length + 2), body, jpeg.subarray(2));
}

/** A JPEG whose SOF claims w×h (the scan data is the small image's). */
export function jpegClaiming(jpeg: Uint8Array, w: number, h: number): Uint8Array {
  const out = Uint8Array.from(jpeg);
  for (let o = 2; o + 9 < out.length;) {
    const m = out[o + 1];
    const len = (out[o + 2] << 8) | out[o + 3];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      out.set(u16be(h), o + 5);
      out.set(u16be(w), o + 7);
      return out;
    }
    o += 2 + len;
  }
  throw new Error('no SOF segment');
}

// ---- WebP ----

let webpEnc: Promise<(img: ImageData, o: Record<string, unknown>) => Promise<ArrayBuffer>> | null = null;
/** Lossless WebP (a RIFF file with one VP8L chunk). */
export async function encodeWebp(img: Raw): Promise<Uint8Array> {
  webpEnc ??= (async () => {
    const mod = await import('@jsquash/webp/encode.js');
    await mod.init(
      (await WebAssembly.compile(readFileSync(require.resolve('@jsquash/webp/codec/enc/webp_enc.wasm')))) as never,
    );
    return mod.default as unknown as (img: ImageData, o: Record<string, unknown>) => Promise<ArrayBuffer>;
  })();
  const data = new Uint8ClampedArray(img.data);
  return new Uint8Array(
    await (
      await webpEnc
    )({ data, width: img.width, height: img.height, colorSpace: 'srgb' } as ImageData, { lossless: 1, exact: 1 }),
  );
}

export function riffChunk(type: string, data: Uint8Array): Uint8Array {
  return concat(ascii(type), u32le(data.length), data, data.length % 2 ? Uint8Array.of(0) : new Uint8Array(0));
}
const riff = (chunks: Uint8Array[]) => {
  const body = concat(ascii('WEBP'), ...chunks);
  return concat(ascii('RIFF'), u32le(body.length), body);
};
/** The image chunk (VP8L or VP8 with its header) of a simple WebP file. */
const imageChunk = (webp: Uint8Array) => webp.subarray(12);
const vp8x = (flags: number, w: number, h: number) =>
  riffChunk('VP8X', concat(Uint8Array.of(flags, 0, 0, 0), u24le(w - 1), u24le(h - 1)));

/** An extended WebP with an EXIF chunk (Orientation = o). */
export function webpWithOrientation(webp: Uint8Array, w: number, h: number, o: number): Uint8Array {
  return riff([vp8x(0x08 | 0x10, w, h), imageChunk(webp), riffChunk('EXIF', tiffOrientation(o))]);
}

/** An animated WebP; each frame is { webp (a simple lossless file), x, y, w, h } on a w×h canvas. */
export function animatedWebp(
  canvas: { w: number; h: number },
  frames: { webp: Uint8Array; x: number; y: number; w: number; h: number }[],
): Uint8Array {
  const anmf = frames.map((f) =>
    riffChunk(
      'ANMF',
      concat(
        u24le(f.x / 2),
        u24le(f.y / 2),
        u24le(f.w - 1),
        u24le(f.h - 1),
        u24le(100),
        Uint8Array.of(0x02),
        imageChunk(f.webp),
      ),
    ),
  );
  return riff([
    vp8x(0x02 | 0x10, canvas.w, canvas.h),
    riffChunk('ANIM', concat(u32le(0), Uint8Array.of(0, 0))),
    ...anmf,
  ]);
}

/** A simple lossless WebP whose VP8L header claims w×h (≤ 16384 each). */
export function webpClaiming(webp: Uint8Array, w: number, h: number): Uint8Array {
  const out = Uint8Array.from(webp);
  const bits = (w - 1) | ((h - 1) << 14) | (((out[24] >> 4) & 1) << 28);
  out.set(u32le(bits >>> 0), 21);
  return out;
}
/** An extended WebP whose VP8X canvas claims w×h (up to 2^24 each). */
export function webpCanvasClaiming(webp: Uint8Array, w: number, h: number): Uint8Array {
  return riff([vp8x(0x10, w, h), imageChunk(webp)]);
}

// ---- zip ----

export interface RawZipEntry {
  /** Name bytes exactly as stored. */
  name: Uint8Array | string;
  data: Uint8Array;
  /** General-purpose flags (bit 0 encrypted, bit 11 UTF-8). */
  flags?: number;
  /** 0 stored (the default here), 8 deflate, other numbers for unsupported methods. */
  method?: number;
  /** Extra field bytes in the central directory. */
  extra?: Uint8Array;
  /** Uncompressed size to declare, when lying about it. */
  declaredSize?: number;
  /** The uncompressed bytes, for the CRC-32 (defaults to data: right for stored entries). */
  crcOf?: Uint8Array;
}

const u16le = (n: number) => Uint8Array.from([n & 255, n >>> 8]);
/** A zip written field by field (APPNOTE.TXT 4.3), for names, flags and methods that zip tools would not write. */
export function rawZip(entries: RawZipEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? new TextEncoder().encode(e.name) : e.name;
    const method = e.method ?? 0;
    const crc = crc32(e.crcOf ?? e.data);
    const usize = e.declaredSize ?? e.data.length;
    const common = concat(
      u16le(20),
      u16le(e.flags ?? 0),
      u16le(method),
      u16le(0),
      u16le(0x21),
      u32le(crc),
      u32le(e.data.length),
      u32le(usize),
      u16le(name.length),
    );
    const local = concat(u32le(0x04034b50), common, u16le(0), name, e.data);
    const extra = e.extra ?? new Uint8Array(0);
    central.push(
      concat(
        u32le(0x02014b50),
        u16le(20),
        common,
        u16le(extra.length),
        u16le(0),
        u16le(0),
        u16le(0),
        u32le(0),
        u32le(offset),
        name,
        extra,
      ),
    );
    locals.push(local);
    offset += local.length;
  }
  const cd = concat(...central);
  return concat(
    ...locals,
    cd,
    u32le(0x06054b50),
    u16le(0),
    u16le(0),
    u16le(entries.length),
    u16le(entries.length),
    u32le(cd.length),
    u32le(offset),
    u16le(0),
  );
}

/** The Info-ZIP Unicode Path extra field (0x7075) for a name stored as `raw`. */
export function unicodePathExtra(raw: Uint8Array, name: string): Uint8Array {
  const utf8 = new TextEncoder().encode(name);
  return concat(u16le(0x7075), u16le(5 + utf8.length), Uint8Array.of(1), u32le(crc32(raw)), utf8);
}
