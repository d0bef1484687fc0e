/**
 * Index arithmetic of the wasm transpose kernel (wasm-kernels.ts TabulaTranspose), pure and without tfjs: a
 * permutation reduced to fewer, longer axes, the copy-permute over one Float32Array (the wasm heap), and which
 * patterns that kernel takes over from tf.transpose.
 */
/**
 * Merge axes that stay neighbours under `perm` and drop size-1 axes: the same permutation on fewer, longer axes.
 * Returns the reduced input shape and permutation.
 */
export function simplifyPermutation(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const keep = shape.map((n) => n !== 1);
  const axes = perm.filter((a) => keep[a]); // output order of the kept input axes
  if (axes.length === 0) return { shape: [1], perm: [0] };
  // Groups: maximal runs in output order of consecutive input axes.
  const groups: number[][] = [];
  for (const a of axes) {
    const g = groups[groups.length - 1];
    if (g && a === g[g.length - 1] + 1) g.push(a);
    else groups.push([a]);
  }
  const byInput = [...groups].sort((g, h) => g[0] - h[0]);
  return {
    shape: byInput.map((g) => g.reduce((n, a) => n * shape[a], 1)),
    perm: groups.map((g) => byInput.indexOf(g)),
  };
}

/** Copy-permute within one Float32Array (the wasm heap): out = transpose(src reshaped to shape, perm). False when the pattern is not handled. */
export function permuteInto(
  heap: Float32Array,
  srcOff: number,
  dstOff: number,
  shape: number[],
  perm: number[],
): boolean {
  const src = heap;
  const dst = heap;
  const r = shape.length;
  const strides = new Array<number>(r);
  strides[r - 1] = 1;
  for (let i = r - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  if (perm[r - 1] === r - 1) {
    // Runs: the last axis stays contiguous; walk the other output axes with an odometer.
    const L = shape[r - 1];
    const outAxes = perm.slice(0, -1);
    const counts = outAxes.map((a) => shape[a]);
    const steps = outAxes.map((a) => strides[a]);
    const idx = new Array<number>(outAxes.length).fill(0);
    const total = counts.reduce((a, b) => a * b, 1);
    let s = srcOff;
    let d = dstOff;
    for (let n = 0; n < total; n++) {
      if (L > 64) dst.copyWithin(d, s, s + L);
      else for (let j = 0; j < L; j++) dst[d + j] = src[s + j];
      d += L;
      for (let k = outAxes.length - 1; k >= 0; k--) {
        s += steps[k];
        if (++idx[k] < counts[k]) break;
        s -= steps[k] * counts[k];
        idx[k] = 0;
      }
    }
    return true;
  }
  if (r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, -2).every((a, i) => a === i)) {
    // Batched swap of the last two axes, in 32×32 tiles, walking the output row by row within a tile.
    const R = shape[r - 2];
    const C = shape[r - 1];
    const batch = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const TILE = 32;
    for (let b = 0; b < batch; b++) {
      const so = srcOff + b * R * C;
      const dOff = dstOff + b * R * C;
      for (let j0 = 0; j0 < C; j0 += TILE) {
        const j1 = Math.min(C, j0 + TILE);
        for (let i0 = 0; i0 < R; i0 += TILE) {
          const i1 = Math.min(R, i0 + TILE);
          for (let j = j0; j < j1; j++) {
            const drow = dOff + j * R;
            for (let i = i0; i < i1; i++) dst[drow + i] = src[so + i * C + j];
          }
        }
      }
    }
    return true;
  }
  return false;
}

/**
 * True when TabulaTranspose should take `perm` of `shape`: a 2-D or batched swap of the last two axes (the wasm
 * kernel reaches ~100 M elements/s on the model's 2-D shapes, this one ~400), or a run-keeping permutation of rank
 * ≥ 5 after merging (~10 M/s in the wasm kernel's generic path, ~600 here). Rank-4 run-keeping permutations stay with
 * the wasm kernel, which is faster at those (measured here: scratch numbers in docs/speed.md).
 */
export function transposeHandled(shape: number[], perm: number[]): boolean {
  const { perm: p } = simplifyPermutation(shape, perm);
  const r = p.length;
  const swap = r >= 2 && r <= 3 && p[r - 1] === r - 2 && p[r - 2] === r - 1 && p.slice(0, -2).every((a, i) => a === i);
  return swap || (r >= 5 && p[r - 1] === r - 1);
}
