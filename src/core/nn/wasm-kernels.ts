/**
 * Kernels the tfjs wasm backend (4.22) lacks or runs slowly, registered under our own kernel names for 'wasm' only.
 *
 * - `TabulaSplitLeading`: x [n·m, ...] → n contiguous chunks [m, ...] by one heap copy each. The wasm Slice kernel
 *   (and SplitV, built on it) first copies the WHOLE input out of the heap into JS (`readSync`) for every slice.
 * - `TabulaTranspose`: tf.transpose for the patterns where the wasm kernel is slow (see transposeHandled): a
 *   permutation that keeps the last axis (moving contiguous runs: splitting and merging attention heads) and a 2-D
 *   or batched swap of the last two axes (in tiles). Other patterns stay with tf.transpose.
 * - `TabulaSumRows`: Σ over the rows of x [R, C] → [C]. tfjs-wasm's Sum over a leading axis transposes the whole
 *   input first (with the slow transpose above).
 * - `TabulaSumSquares` and `TabulaAdamW`: the optimizer step as one pass per parameter (Σg² over all gradients for
 *   the clip norm; then m, v and the decayed, updated weights) instead of ~13 small kernels per parameter, each with
 *   tfjs's per-kernel overhead. It returns new tensors (weights are never changed in place: XNNPACK caches packed
 *   weights by tensor id).
 * - `TabulaBatchMatMul`: a batched product [N, M, K]·[N, K, P] → [N, M, P]. tfjs-backend-wasm sends any batched (or
 *   transposed) matMul to a scalar triple loop (batch_mat_mul_impl.cc `slow_batch_matmul`, ~2 GFLOP/s here); only
 *   batch 1 without transposes reaches XNNPACK's SIMD GEMM (~25 GFLOP/s). This kernel runs the N products as N calls
 *   to that fast path on views into the operands' memory: each view is registered as a tensor at an offset of the
 *   operand's wasm heap buffer (no copy), used once and unregistered (which also frees the XNNPACK operator cached
 *   on it). It relies on BackendWasm's `dataIdMap`/`dataIdNextNumber` and the module's `register_tensor`,
 *   `dispose_data` and `BatchMatMul` exports, which this project pins (tfjs-backend-wasm 4.22.0); `wasmKernelsWork`
 *   checks them at start-up and callers fall back to tf.matMul when they are missing.
 */
import * as tf from '../tf';
import { permuteInto, simplifyPermutation, transposeHandled } from './permute';

export const BATCH_MATMUL_KERNEL = 'TabulaBatchMatMul';
export const SPLIT_LEADING_KERNEL = 'TabulaSplitLeading';
export const TRANSPOSE_KERNEL = 'TabulaTranspose';
export const SUM_ROWS_KERNEL = 'TabulaSumRows';
export const SUM_SQUARES_KERNEL = 'TabulaSumSquares';
export const ADAMW_KERNEL = 'TabulaAdamW';

interface WasmData {
  id: number;
  memoryOffset: number;
}
interface WasmModule {
  cwrap: (name: string, ret: null | string, args: string[]) => (...a: unknown[]) => unknown;
  tfjs: { registerTensor: (id: number, size: number, offset: number) => void; disposeData: (id: number) => void };
}
interface BackendWasmLike {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): WasmData };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
}

function heapF32(backend: BackendWasmLike): Float32Array {
  return (backend as unknown as { wasm: { HEAPF32: Float32Array } }).wasm.HEAPF32;
}

function splitLeading(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const backend = args.backend as BackendWasmLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const n = args.attrs.n as number;
  if (x.shape[0] % n !== 0) throw new Error(`${SPLIT_LEADING_KERNEL}: ${x.shape[0]} rows do not split into ${n}`);
  const shape = [x.shape[0] / n, ...x.shape.slice(1)];
  const size = shape.reduce((a, b) => a * b, 1);
  const outs = Array.from({ length: n }, () => backend.makeOutput(shape, x.dtype)); // allocate first: a heap growth moves HEAPF32
  const heap = heapF32(backend);
  const src = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  outs.forEach((o, i) =>
    heap.copyWithin(backend.dataIdMap.get(o.dataId).memoryOffset / 4, src + i * size, src + (i + 1) * size),
  );
  return outs;
}

type WasmBmm = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  ta: boolean,
  tb: boolean,
  outId: number,
) => void;
const bmmByModule = new WeakMap<WasmModule, WasmBmm>();

function wasmBmm(backend: BackendWasmLike): WasmBmm {
  let f = bmmByModule.get(backend.wasm);
  if (!f) {
    f = backend.wasm.cwrap('BatchMatMul', null, [
      'number',
      'array',
      'number',
      'number',
      'array',
      'number',
      'number',
      'number',
      'number',
    ]) as WasmBmm;
    bmmByModule.set(backend.wasm, f);
  }
  return f;
}

const shapeBytes = (s: number[]) => new Uint8Array(new Int32Array(s).buffer);

function batchMatMulSliced(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const [N, M, K] = a.shape;
  const [Nb, Kb, P] = b.shape;
  if (a.shape.length !== 3 || b.shape.length !== 3 || N !== Nb || K !== Kb)
    throw new Error(`${BATCH_MATMUL_KERNEL}: shapes [${a.shape}]·[${b.shape}] do not multiply`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`${BATCH_MATMUL_KERNEL}: float32 only`);
  const out = backend.makeOutput([N, M, P], 'float32');
  const aOff = backend.dataIdMap.get(a.dataId).memoryOffset;
  const bOff = backend.dataIdMap.get(b.dataId).memoryOffset;
  const oOff = backend.dataIdMap.get(out.dataId).memoryOffset;
  const run = wasmBmm(backend);
  const { registerTensor, disposeData } = backend.wasm.tfjs;
  const sa = shapeBytes([1, M, K]);
  const sb = shapeBytes([1, K, P]);
  for (let n = 0; n < N; n++) {
    const ia = backend.dataIdNextNumber++;
    const ib = backend.dataIdNextNumber++;
    const io = backend.dataIdNextNumber++;
    registerTensor(ia, M * K, aOff + 4 * n * M * K);
    registerTensor(ib, K * P, bOff + 4 * n * K * P);
    registerTensor(io, M * P, oOff + 4 * n * M * P);
    run(ia, sa, 3, ib, sb, 3, false, false, io);
    disposeData(ia);
    disposeData(ib);
    disposeData(io);
  }
  return out;
}

function transposeKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const perm = args.attrs.perm as number[];
  const out = backend.makeOutput(
    perm.map((a) => x.shape[a]),
    x.dtype,
  );
  const heap = heapF32(backend);
  const simple = simplifyPermutation(x.shape, perm);
  const ok = permuteInto(
    heap,
    backend.dataIdMap.get(x.dataId).memoryOffset / 4,
    backend.dataIdMap.get(out.dataId).memoryOffset / 4,
    simple.shape,
    simple.perm,
  );
  if (!ok)
    throw new Error(`${TRANSPOSE_KERNEL}: permutation [${perm}] of [${x.shape}] is not handled (use tf.transpose)`);
  return out;
}

function sumRowsKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const [R, C] = x.shape;
  const out = backend.makeOutput([C], 'float32');
  const heap = heapF32(backend);
  const src = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  const o = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
  const acc = new Float64Array(C);
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const r0 = src + r * C;
    const r1 = r0 + C;
    const r2 = r1 + C;
    const r3 = r2 + C;
    for (let c = 0; c < C; c++) acc[c] += heap[r0 + c] + heap[r1 + c] + heap[r2 + c] + heap[r3 + c];
  }
  for (; r < R; r++) {
    const row = src + r * C;
    for (let c = 0; c < C; c++) acc[c] += heap[row + c];
  }
  for (let c = 0; c < C; c++) heap[o + c] = acc[c];
  return out;
}

function sumSquaresKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const xs = Object.values(args.inputs) as tf.TensorInfo[];
  const out = backend.makeOutput([], 'float32');
  const heap = heapF32(backend);
  let total = 0;
  for (const x of xs) {
    const o = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
    const n = x.shape.reduce((a, b) => a * b, 1);
    for (let i = o; i < o + n; i++) total += heap[i] * heap[i];
  }
  heap[backend.dataIdMap.get(out.dataId).memoryOffset / 4] = total;
  return out;
}

/**
 * One AdamW update (PyTorch's torch.optim.AdamW, as optim.ts): g ← g·clip; m ← β1·m + (1−β1)·g;
 * v ← β2·v + (1−β2)·g²; p ← p·(1 − lr·wd) − (lr/bc1)·m/(√v/√bc2 + eps). Inputs p, g, m, v and the scalar clip;
 * attrs lr, beta1, beta2, eps, wd, bc1, bc2. Returns [p, m, v] as new tensors.
 */
function adamwKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const backend = args.backend as BackendWasmLike;
  const { p, g, m, v, clip } = args.inputs as Record<string, tf.TensorInfo>;
  const { lr, beta1, beta2, eps, wd, bc1, bc2 } = args.attrs as Record<string, number>;
  const outs = [p, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const heap = heapF32(backend);
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset / 4;
  const [op, om, ov] = outs.map(at);
  const [ip, ig, im, iv] = [p, g, m, v].map(at);
  const scale = heap[at(clip)];
  const n = p.shape.reduce((a, b) => a * b, 1);
  const decay = 1 - lr * wd;
  const step = lr / bc1;
  const rbc2 = 1 / Math.sqrt(bc2);
  for (let i = 0; i < n; i++) {
    const gi = heap[ig + i] * scale;
    const mi = beta1 * heap[im + i] + (1 - beta1) * gi;
    const vi = beta2 * heap[iv + i] + (1 - beta2) * gi * gi;
    heap[om + i] = mi;
    heap[ov + i] = vi;
    heap[op + i] = heap[ip + i] * decay - (step * mi) / (Math.sqrt(vi) * rbc2 + eps);
  }
  return outs;
}

/** Identity as the cpu backend does it: share the (immutable) buffer. tfjs-wasm copies it, and tfjs clones every
 * tensor a gradient saves through Identity. */
function identityShared(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  (args.backend as { incRef(id: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let registered = false;

/** Register this module's wasm kernels (idempotent). Safe to call before or after the wasm backend starts. */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: BATCH_MATMUL_KERNEL,
    backendName: 'wasm',
    kernelFunc: batchMatMulSliced as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: SPLIT_LEADING_KERNEL,
    backendName: 'wasm',
    kernelFunc: splitLeading as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: TRANSPOSE_KERNEL,
    backendName: 'wasm',
    kernelFunc: transposeKernel as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: SUM_ROWS_KERNEL,
    backendName: 'wasm',
    kernelFunc: sumRowsKernel as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: SUM_SQUARES_KERNEL,
    backendName: 'wasm',
    kernelFunc: sumSquaresKernel as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: ADAMW_KERNEL,
    backendName: 'wasm',
    kernelFunc: adamwKernel as unknown as tf.KernelFunc,
  });
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: identityShared as unknown as tf.KernelFunc,
  });
}

let checked: boolean | null = null;
let enabled = true;

/** Turn this module's kernels off (true: on, the default) — for measuring what they bring (`npm run bench -- --baseline`). */
export function setFastKernels(on: boolean): void {
  enabled = on;
}

/**
 * True when the current backend is wasm and the sliced kernel gives the same numbers as tf.matMul on a small
 * product (checked once per process; false, with the reason logged by the caller, if tfjs internals changed).
 */
export function wasmKernelsWork(): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  if (checked !== null) return checked;
  registerWasmKernels();
  try {
    checked = tf.tidy(() => {
      const a = tf.randomUniform([3, 5, 4], -1, 1, 'float32', 7);
      const b = tf.randomUniform([3, 4, 6], -1, 1, 'float32', 8);
      const want = tf.matMul(a, b);
      const got = tf.engine().runKernel(BATCH_MATMUL_KERNEL, { a, b }) as tf.Tensor;
      const parts = tf.engine().runKernel(SPLIT_LEADING_KERNEL, { x: a }, { n: 3 }) as unknown as tf.Tensor[];
      const splitOk = parts.every(
        (p, i) => tf.max(tf.abs(tf.sub(p, tf.slice(a, [i, 0, 0], [1, 5, 4])))).dataSync()[0] === 0,
      );
      const close = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0] < 1e-5;
      const tr = tf.engine().runKernel(TRANSPOSE_KERNEL, { x: a }, { perm: [0, 2, 1] }) as tf.Tensor;
      const rows = tf.engine().runKernel(SUM_ROWS_KERNEL, { x: tf.reshape(a, [15, 4]) }) as tf.Tensor;
      return (
        splitOk &&
        close(want, got) &&
        close(tr, tf.transpose(a, [0, 2, 1])) &&
        close(rows, tf.sum(tf.reshape(a, [15, 4]), 0))
      );
    });
  } catch {
    checked = false;
  }
  return checked;
}

/** tf.transpose(x, perm), through TabulaTranspose where the backend is wasm and the pattern is handled. */
export function fastTranspose(x: tf.Tensor, perm: number[]): tf.Tensor {
  if (x.dtype === 'float32' && wasmKernelsWork() && transposeHandled(x.shape, perm))
    return tf.engine().runKernel(TRANSPOSE_KERNEL, { x }, { perm }) as tf.Tensor;
  return tf.transpose(x, perm);
}

/** Σ over the rows of x [R, C] → [C] (wasm only; see wasmKernelsWork). */
export function sumRowsWasm(x: tf.Tensor2D): tf.Tensor1D {
  return tf.engine().runKernel(SUM_ROWS_KERNEL, { x }) as tf.Tensor1D;
}

/** Σ of the squares of every element of `xs`, as a scalar (wasm only; see wasmKernelsWork). */
export function sumSquaresWasm(xs: tf.Tensor[]): tf.Scalar {
  return tf.engine().runKernel(SUM_SQUARES_KERNEL, Object.fromEntries(xs.map((x, i) => [`x${i}`, x]))) as tf.Scalar;
}

/** One AdamW update of p with gradient g (scaled by the scalar `clip`) and moments m, v → new [p, m, v] (wasm only). */
export function adamwWasm(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  clip: tf.Scalar,
  attrs: { lr: number; beta1: number; beta2: number; eps: number; wd: number; bc1: number; bc2: number },
): tf.Tensor[] {
  return tf.engine().runKernel(ADAMW_KERNEL, { p, g, m, v, clip }, attrs) as unknown as tf.Tensor[];
}

/** x split into n equal contiguous chunks along axis 0 (wasm only; see wasmKernelsWork). */
export function splitLeadingWasm(x: tf.Tensor, n: number): tf.Tensor[] {
  return tf.engine().runKernel(SPLIT_LEADING_KERNEL, { x }, { n }) as unknown as tf.Tensor[];
}

/** a·b for rank-3 float32 [N, M, K]·[N, K, P] through the sliced fast path (wasm only; see wasmKernelsWork). */
export function batchMatMulWasm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.engine().runKernel(BATCH_MATMUL_KERNEL, { a, b }) as tf.Tensor3D;
}
