// Image decoding in Node for bring-your-own data: PNG (pngjs), JPEG (jpeg-js, with memory limits), WebP (libwebp
// compiled to wasm, @jsquash/webp). The browser uses its own decoder instead.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { sniffImage, type ImageDecoder } from '../core/data/byod';
import type { RGBAImage } from '../core/data/images';

const require = createRequire(import.meta.url);
let webpReady: Promise<(b: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>> | null = null;

function webp() {
  // ImageData does not exist in Node; libwebp's glue only needs a constructor with this shape.
  const g = globalThis as unknown as { ImageData?: unknown };
  g.ImageData ??= class {
    constructor(
      public data: Uint8ClampedArray,
      public width: number,
      public height: number,
    ) {}
  };
  webpReady ??= (async () => {
    const mod = await import('@jsquash/webp/decode.js');
    const wasm = await WebAssembly.compile(readFileSync(require.resolve('@jsquash/webp/codec/dec/webp_dec.wasm')));
    await mod.init(wasm);
    return mod.default as unknown as (b: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
  })();
  return webpReady;
}

export const decodeImageNode: ImageDecoder = async (bytes) => {
  const kind = sniffImage(bytes);
  if (kind === 'png') return decodePngNode(bytes);
  if (kind === 'jpeg') {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, data: img.data } as RGBAImage;
  }
  if (kind === 'webp') {
    const decode = await webp();
    const copy = bytes.slice().buffer;
    const img = await decode(copy);
    return { width: img.width, height: img.height, data: img.data };
  }
  throw new Error('not a PNG, JPEG or WebP file');
};

/** PNG → RGBA (for the shipped atlases). */
export function decodePngNode(bytes: Uint8Array): RGBAImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
}
