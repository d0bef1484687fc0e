/**
 * The worker's side of file access and images: public/data and the shipped models by fetch, PNG/JPEG/WebP decoded by
 * the browser (createImageBitmap → OffscreenCanvas, no colour conversion, alpha kept), images encoded back to PNG
 * data URLs for the report, and float pixels turned into 8-bit pictures for the page.
 */
import type { DataReader } from '../core/data/emoji';
import type { RGBAImage } from '../core/data/images';
import type { FileSource } from '../core/checkpoint/source';
import type { Picture } from './protocol';

const BASE = import.meta.env.BASE_URL;

async function fetchBytes(url: string): Promise<Uint8Array | null> {
  const r = await fetch(url);
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${r.statusText}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Files under public/data. */
export const readPublicData: DataReader = async (path) => {
  const b = await fetchBytes(`${BASE}data/${path}`);
  if (!b) throw new Error(`data/${path}: missing from the site; run npm run build-data and rebuild`);
  return b;
};

/** A shipped checkpoint directory under public/models. */
export function shippedModel(dir: string): FileSource {
  return { label: `models/${dir}`, read: (f) => fetchBytes(`${BASE}models/${dir}/${f}`) };
}

/**
 * Decode an image with the browser's own decoder, exactly (no premultiplication, no colour management), upright by
 * its EXIF orientation and, for an animated file, its first frame — what the page shows, and what Node's decoder
 * (src/cli/image-decode.ts) reproduces; tests/e2e/decode-parity.test.ts compares the two.
 */
export async function decodeImageBrowser(bytes: Uint8Array, file: string): Promise<RGBAImage> {
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(new Blob([bytes as BlobPart]), {
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
      imageOrientation: 'from-image',
    });
  } catch {
    throw new Error(`${file}: the browser cannot decode this image (is it a PNG, JPEG or WebP?)`);
  }
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bmp, 0, 0);
  const data = ctx.getImageData(0, 0, bmp.width, bmp.height, { colorSpace: 'srgb' }).data;
  const out = { width: bmp.width, height: bmp.height, data };
  bmp.close();
  return out;
}

/** [S, S, 3] floats in [0, 1] → RGBA bytes. */
export function toPicture(pixels: Float32Array, size: number, offset = 0): Picture {
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) rgba[4 * p + c] = Math.round(255 * pixels[offset + 3 * p + c]);
    rgba[4 * p + 3] = 255;
  }
  return { size, rgba };
}

/** n consecutive [S, S, 3] images → pictures. */
export function toPictures(pixels: Float32Array, size: number, n: number): Picture[] {
  return Array.from({ length: n }, (_, i) => toPicture(pixels, size, i * size * size * 3));
}

/** An [S, S, 3] image in [0, 1] as a PNG data URL (the report's samples). */
export async function pngDataUrlBrowser(pixels: Float32Array, size: number): Promise<string> {
  const pic = toPicture(pixels, size);
  const canvas = new OffscreenCanvas(size, size);
  canvas.getContext('2d')!.putImageData(new ImageData(pic.rgba, size, size), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(bin)}`;
}
