// Image decoding in Node for bring-your-own data, giving the pixels the browser's decoder gives for the same file
// (tests/e2e/decode-parity.test.ts compares them): PNG by pngjs (first animation frame, eXIf orientation read by
// exifr), JPEG by libjpeg-turbo (mozjpeg in wasm, @jsquash/jpeg: the same upsampling and IDCT as Chromium, EXIF
// orientation applied), WebP by libwebp in wasm (@jsquash/webp; first animation frame). The caller has already
// checked the header's dimensions against the pixel limit (byod.ts), so no decoder sees a size bomb; an interlaced
// PNG's data is inflated with a cap first (pngjs has none there).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import exifr from 'exifr';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { sniffImage, type ImageDecoder } from '../core/data/byod';
import type { RGBAImage } from '../core/data/images';
import {
  applyOrientation,
  apngFirstFrame,
  checkPngInflation,
  placeFrame,
  pngExif,
  webpFirstFrame,
} from './image-frames';

const require = createRequire(import.meta.url);
type Decode = (
  b: ArrayBuffer,
  o?: { preserveOrientation: boolean },
) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;

function imageDataShim(): void {
  // ImageData does not exist in Node; the wasm codecs' glue only needs a constructor with this shape.
  const g = globalThis as unknown as { ImageData?: unknown };
  g.ImageData ??= class {
    constructor(
      public data: Uint8ClampedArray,
      public width: number,
      public height: number,
    ) {}
  };
}

/** A wasm codec, loaded once. Its messages (libjpeg's warnings and errors) are kept for the error, not printed. */
function wasmCodec(module: string, wasm: string): { decoder: () => Promise<Decode>; messages: string[] } {
  let ready: Promise<Decode> | null = null;
  const messages: string[] = [];
  const keep = (s: string) => messages.push(s);
  const decoder = () => {
    imageDataShim();
    ready ??= (async () => {
      const mod = (await import(module)) as {
        init: (m: WebAssembly.Module, o: object) => Promise<void>;
        default: Decode;
      };
      await mod.init(await WebAssembly.compile(readFileSync(require.resolve(wasm))), { print: keep, printErr: keep });
      return mod.default;
    })();
    return ready;
  };
  return { decoder, messages };
}
const webp = wasmCodec('@jsquash/webp/decode.js', '@jsquash/webp/codec/dec/webp_dec.wasm');
const mozjpeg = wasmCodec('@jsquash/jpeg/decode.js', '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');

/** Run a codec; a failure (libjpeg exits on damaged data) becomes an Error with the codec's last message. */
async function run(
  codec: typeof webp,
  bytes: Uint8Array,
  options?: { preserveOrientation: boolean },
): Promise<RGBAImage> {
  const decode = await codec.decoder();
  codec.messages.length = 0;
  try {
    const img = await decode(bytes.slice().buffer, options);
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    const said = codec.messages.filter((m) => m.trim()).pop();
    throw new Error(said ? `${said.trim()}; the file is damaged or truncated` : (e as Error).message, { cause: e });
  }
}

/** Components in a JPEG's frame header (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK), or 0 if none is found. */
function jpegComponents(b: Uint8Array): number {
  for (let o = 2; o + 9 < b.length;) {
    if (b[o] !== 0xff) return 0;
    const m = b[o + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return b[o + 9];
    o += 2 + ((b[o + 2] << 8) | b[o + 3]);
  }
  return 0;
}

async function decodeJpeg(bytes: Uint8Array): Promise<RGBAImage> {
  if (jpegComponents(bytes) === 4) {
    // libjpeg cannot convert CMYK to RGBA (and mozjpeg's wasm build aborts on it): jpeg-js converts Adobe CMYK/YCCK.
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: 100,
      maxMemoryUsageInMB: 512,
    });
    const o = await exifr.orientation(bytes).catch(() => undefined);
    return applyOrientation({ width: img.width, height: img.height, data: img.data }, o ?? 1);
  }
  return run(mozjpeg, bytes, { preserveOrientation: true });
}

async function decodeWebp(bytes: Uint8Array): Promise<RGBAImage> {
  const frame = webpFirstFrame(bytes);
  const img = await run(webp, frame ? frame.file : bytes);
  return frame ? placeFrame(img, frame) : img;
}

async function decodePng(bytes: Uint8Array): Promise<RGBAImage> {
  checkPngInflation(bytes);
  const frame = apngFirstFrame(bytes);
  let img = decodePngNode(frame ? frame.file : bytes);
  if (frame) img = placeFrame(img, frame);
  const exif = pngExif(bytes);
  const o = exif ? await exifr.orientation(exif).catch(() => undefined) : undefined;
  return applyOrientation(img, o ?? 1);
}

export const decodeImageNode: ImageDecoder = async (bytes) => {
  const kind = sniffImage(bytes);
  if (kind === 'png') return decodePng(bytes);
  if (kind === 'jpeg') return decodeJpeg(bytes);
  if (kind === 'webp') return decodeWebp(bytes);
  throw new Error('not a PNG, JPEG or WebP file');
};

/** PNG → RGBA (for the shipped atlases). */
export function decodePngNode(bytes: Uint8Array): RGBAImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return {
    width: png.width,
    height: png.height,
    data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
  };
}
