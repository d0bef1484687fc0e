// A picture of reconstructions: rows of originals, each followed by the row of their reconstructions.
import type { RGBAImage } from '../data/images';

/**
 * `originals` and `recons` are [n, size, size, 3] in [0, 1]. Lays out `cols` images per row, an original row
 * above its reconstruction row, with a 2-pixel white gutter, scaled up by `scale` (nearest neighbour).
 */
export function reconstructionGrid(
  originals: Float32Array,
  recons: Float32Array,
  n: number,
  size: number,
  cols: number,
  scale = 2,
): RGBAImage {
  const rows = Math.ceil(n / cols);
  const cell = size + 2;
  const width = cols * cell * scale;
  const height = rows * 2 * cell * scale;
  const data = new Uint8Array(width * height * 4).fill(255);
  const put = (src: Float32Array, i: number, rowBlock: number) => {
    const ox = (i % cols) * cell + 1;
    const oy = (2 * Math.floor(i / cols) + rowBlock) * cell + 1;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let sy = 0; sy < scale; sy++)
          for (let sx = 0; sx < scale; sx++) {
            const o = (((oy + y) * scale + sy) * width + (ox + x) * scale + sx) * 4;
            for (let c = 0; c < 3; c++)
              data[o + c] = Math.round(255 * Math.min(1, Math.max(0, src[((i * size + y) * size + x) * 3 + c])));
          }
  };
  for (let i = 0; i < n; i++) {
    put(originals, i, 0);
    put(recons, i, 1);
  }
  return { width, height, data };
}
