/**
 * Images as the models see them: RGB in [0, 1], alpha composited on white, 32×32 by default. Pixels come in as
 * decoded RGBA (the caller decodes: pngjs in Node, the browser's decoder in the worker), are cut from an atlas or
 * resized, and are uploaded to the device once; batches are then gathered there (no per-step upload).
 */
import * as tf from '../tf';

export interface RGBAImage {
  width: number;
  height: number;
  /** width·height·4 bytes, row-major. */
  data: Uint8Array | Uint8ClampedArray;
}

/** Composite RGBA on white and scale to [0, 1]: out = α·c + (1 − α)·1. Writes H·W·3 floats at `out[offset]`. */
export function compositeOnWhite(img: RGBAImage, out: Float32Array, offset = 0): void {
  const n = img.width * img.height;
  for (let p = 0; p < n; p++) {
    const a = img.data[4 * p + 3] / 255;
    for (let c = 0; c < 3; c++) out[offset + 3 * p + c] = (a * img.data[4 * p + c]) / 255 + (1 - a);
  }
}

/** Cut cell `index` (cols cells per row) of size `cell` from an atlas. */
export function atlasCell(atlas: RGBAImage, index: number, cell: number, cols: number): RGBAImage {
  const ox = (index % cols) * cell;
  const oy = Math.floor(index / cols) * cell;
  if (oy + cell > atlas.height || ox + cell > atlas.width) throw new Error(`atlas cell ${index} lies outside the ${atlas.width}×${atlas.height} atlas`);
  const data = new Uint8Array(cell * cell * 4);
  for (let y = 0; y < cell; y++) data.set(atlas.data.subarray(((oy + y) * atlas.width + ox) * 4, ((oy + y) * atlas.width + ox + cell) * 4), y * cell * 4);
  return { width: cell, height: cell, data };
}

/**
 * Resize RGBA with premultiplied alpha. Down-scaling averages the source area under each output pixel (a box
 * filter, exact for integer factors); up-scaling interpolates bilinearly. Same result in Node and the browser.
 */
export function resizeRGBA(img: RGBAImage, width: number, height: number): RGBAImage {
  if (img.width === width && img.height === height) return { width, height, data: new Uint8Array(img.data) };
  const out = new Uint8Array(width * height * 4);
  const sx = img.width / width;
  const sy = img.height / height;
  const px = (x: number, y: number, c: number) => img.data[(y * img.width + x) * 4 + c];
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      const acc = [0, 0, 0, 0];
      if (sx >= 1 && sy >= 1) {
        // Area average over [ox·sx, (ox+1)·sx) × [oy·sy, (oy+1)·sy), with fractional edge weights.
        const x0 = ox * sx, x1 = x0 + sx, y0 = oy * sy, y1 = y0 + sy;
        let wsum = 0;
        for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
          const wy = Math.min(y + 1, y1) - Math.max(y, y0);
          for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
            const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
            const a = px(x, y, 3) / 255;
            for (let c = 0; c < 3; c++) acc[c] += w * px(x, y, c) * a;
            acc[3] += w * a;
            wsum += w;
          }
        }
        for (let c = 0; c < 4; c++) acc[c] /= wsum;
      } else {
        const fx = Math.min(Math.max((ox + 0.5) * sx - 0.5, 0), img.width - 1);
        const fy = Math.min(Math.max((oy + 0.5) * sy - 0.5, 0), img.height - 1);
        const xa = Math.floor(fx), ya = Math.floor(fy), xb = Math.min(xa + 1, img.width - 1), yb = Math.min(ya + 1, img.height - 1);
        const tx = fx - xa, ty = fy - ya;
        for (const [x, y, w] of [[xa, ya, (1 - tx) * (1 - ty)], [xb, ya, tx * (1 - ty)], [xa, yb, (1 - tx) * ty], [xb, yb, tx * ty]]) {
          const a = px(x, y, 3) / 255;
          for (let c = 0; c < 3; c++) acc[c] += w * px(x, y, c) * a;
          acc[3] += w * a;
        }
      }
      const o = (oy * width + ox) * 4;
      for (let c = 0; c < 3; c++) out[o + c] = acc[3] > 0 ? Math.round(acc[c] / acc[3]) : 0;
      out[o + 3] = Math.round(acc[3] * 255);
    }
  }
  return { width, height, data: out };
}

/** Images [n, size, size, 3] in [0, 1] from atlas cells. */
export function imagesFromAtlas(atlas: RGBAImage, indices: number[], cell: number, cols: number): Float32Array {
  const out = new Float32Array(indices.length * cell * cell * 3);
  indices.forEach((idx, i) => compositeOnWhite(atlasCell(atlas, idx, cell, cols), out, i * cell * cell * 3));
  return out;
}

/** A set of images held on the device; batches are gathered there by index. */
export class DeviceImages {
  readonly images: tf.Tensor4D;

  constructor(pixels: Float32Array, count: number, size: number) {
    if (pixels.length !== count * size * size * 3) throw new Error(`DeviceImages: ${pixels.length} values for ${count} images of ${size}×${size}×3`);
    this.images = tf.tensor4d(pixels, [count, size, size, 3], 'float32');
  }

  get count(): number {
    return this.images.shape[0];
  }

  /** Images at the given positions, [b, size, size, 3] (a new tensor; dispose it). */
  batch(positions: number[]): tf.Tensor4D {
    return tf.tidy(() => tf.gather(this.images, tf.tensor1d(positions, 'int32')));
  }

  dispose(): void {
    this.images.dispose();
  }
}
