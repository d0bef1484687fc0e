/**
 * The optimizer step as WGSL of our own for tfjs-backend-webgpu: Σg² of up to seven gradients in one dispatch, chained
 * over all of them (for the global clip norm; tfjs runs square then sum per gradient, then the adds), the clip scale
 * in one more, and the AdamW update of one parameter as three dispatches (new m, new v, new weights) instead of the
 * ~13 elementwise kernels optim.ts's tfjs chain runs per parameter. The weights' program recomputes m and v inline
 * from the old moments (a few flops per element) so that no dispatch waits on another's output and nothing is read
 * back. optim.ts now runs webgpu-adamw-packed.ts's update (moments packed by groups, ~1.2 dispatches a parameter);
 * the per-parameter programs here and the one-tensor Σg² stay as the checked building blocks and for callers with
 * their own moments. The arithmetic is optim.ts's fallback chain's, in the same order:
 *
 *   g' = g·s (s: the clip scale, a [1] or scalar tensor on the device)
 *   m' = β1·m + (1−β1)·g'
 *   v' = β2·v + (1−β2)·g'²
 *   p' = p·(1 − lr·wd) − (lr/bc1) · m' / (√v'/√bc2 + ε)
 *
 * Programs run through the backend's own `runWebGPUProgram` (the WebGPUProgram shape of tfjs-backend-webgpu 4.22,
 * webgpu_program.d.ts), found on the live backend object, so this module needs no import of the webgpu package (it is
 * loaded only when chosen, backend.ts). `webgpuKernelsWork()` says whether the current backend is WebGPU with that
 * method; callers keep the tfjs ops as the fallback.
 */
import * as tf from '../tf';

/** The WebGPUProgram fields runWebGPUProgram reads (tfjs-backend-webgpu/dist/webgpu_program.d.ts). */
export interface WgslProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode: () => string;
}

export type Uniform = { type: 'float32' | 'int32'; data: number[] };

interface WebGPUBackendLike {
  runWebGPUProgram(
    program: WgslProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: Uniform[],
  ): tf.TensorInfo;
}

/** True when the active backend is tfjs's WebGPU backend and exposes runWebGPUProgram. */
export function webgpuKernelsWork(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  return typeof (tf.backend() as unknown as Partial<WebGPUBackendLike>).runWebGPUProgram === 'function';
}

/** Workgroups along x for `n` threads of `size` lanes, folded into y past WebGPU's 65535 per dimension. */
export function flatDispatch(n: number, size: number): [number, number, number] {
  const groups = Math.ceil(n / size);
  if (groups <= 65535) return [groups, 1, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y, 1];
}

/** Run a program on the WebGPU backend and wrap its output as a tensor (one dispatch). */
export function runProgram(
  program: WgslProgram,
  inputs: tf.Tensor[],
  uniforms: Uniform[],
  dtype: tf.DataType = 'float32',
): tf.Tensor {
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const info = backend.runWebGPUProgram(program, inputs, dtype, uniforms);
  return tf.engine().makeTensorFromTensorInfo(info);
}

type Part = 'm' | 'v' | 'p';

const ADAMW_UNIFORMS = 'n : i32, lr : f32, beta1 : f32, beta2 : f32, eps : f32, wd : f32, bc1 : f32, bc2 : f32,';

function adamwProgram(shape: number[], part: Part): WgslProgram {
  const n = shape.reduce((a, b) => a * b, 1);
  const workgroupSize: [number, number, number] = [128, 1, 1];
  const out =
    part === 'm'
      ? 'mNew'
      : part === 'v'
        ? 'vNew'
        : 'p * (1.0 - uniforms.lr * uniforms.wd) - (uniforms.lr / uniforms.bc1) * mNew / (sqrt(vNew) / sqrt(uniforms.bc2) + uniforms.eps)';
  return {
    variableNames: ['P', 'G', 'M', 'V', 'S'],
    outputShape: shape,
    shaderKey: `tabula_adamw_${part}`,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: flatDispatch(n, workgroupSize[0]),
    workgroupSize,
    uniforms: ADAMW_UNIFORMS,
    getUserCode: () => `
      fn main(i : i32) {
        if (i < uniforms.n) {
          // Every input is read in every part: the pipeline's layout is 'auto', which drops bindings a shader never
          // reads, and the bind group tfjs makes (all inputs) would then fail validation and the dispatch not run.
          let p = P[i];
          let g = G[i] * S[0];
          let mNew = uniforms.beta1 * M[i] + (1.0 - uniforms.beta1) * g;
          let vNew = uniforms.beta2 * V[i] + (1.0 - uniforms.beta2) * (g * g);
          result[i] = ${out};
        }
      }
    `,
  };
}

export interface AdamWStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay for this parameter (0 in the no-decay group). */
  wd: number;
  /** Bias corrections 1 − β1^t and 1 − β2^t. */
  bc1: number;
  bc2: number;
}

/**
 * One AdamW update of one parameter on WebGPU: p, g, m, v of the same shape, `clip` a scalar (the clip scale, 1 for
 * none). Returns [p', m', v'] as new tensors (three dispatches, no read-back). Throws when the backend is not WebGPU
 * or the shapes differ.
 */
export function adamwWebgpu(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  clip: tf.Tensor,
  s: AdamWStep,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (!webgpuKernelsWork()) throw new Error('adamwWebgpu: the active tfjs backend is not WebGPU');
  for (const [name, t] of [
    ['g', g],
    ['m', m],
    ['v', v],
  ] as const)
    if (t.size !== p.size) throw new Error(`adamwWebgpu: ${name} has ${t.size} elements, the parameter ${p.size}`);
  if (clip.size !== 1) throw new Error(`adamwWebgpu: the clip scale must be one value, got ${clip.size}`);
  const uniforms: Uniform[] = [
    { type: 'int32', data: [p.size] },
    ...[s.lr, s.beta1, s.beta2, s.eps, s.wd, s.bc1, s.bc2].map((x) => ({ type: 'float32' as const, data: [x] })),
  ];
  // The clip scale as shape [1]: a rank-0 input's empty shape uniform would shift the uniforms after it.
  const inputs = [p, g, m, v, tf.reshape(clip, [1])];
  return (['p', 'm', 'v'] as const).map((part) => runProgram(adamwProgram(p.shape, part), inputs, uniforms)) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}

const SUM_LANES = 256;

function sumSquaresProgram(): WgslProgram {
  return {
    variableNames: ['X'],
    outputShape: [1],
    shaderKey: 'tabula_sum_squares',
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [SUM_LANES, 1, 1],
    uniforms: 'n : i32,',
    getUserCode: () => `
      var<workgroup> part : array<f32, ${SUM_LANES}>;
      fn main(index : i32) {
        let lane = i32(localId.x);
        var acc = 0.0;
        for (var k = lane; k < uniforms.n; k = k + ${SUM_LANES}) {
          let x = X[k];
          acc = acc + x * x;
        }
        part[lane] = acc;
        workgroupBarrier();
        for (var s = ${SUM_LANES / 2}; s > 0; s = s >> 1u) {
          if (lane < s) {
            part[lane] = part[lane] + part[lane + s];
          }
          workgroupBarrier();
        }
        if (lane == 0) {
          result[0] = part[0];
        }
      }
    `,
  };
}

/**
 * Σx² over all elements of `x` (any shape, float32) as a [1] tensor on WebGPU: one workgroup of 256 lanes, each
 * summing a strided share, then a tree in workgroup memory (one dispatch, no read-back). The order of summation
 * differs from tfjs's Sum, so results agree to float32 rounding. Throws when the backend is not WebGPU.
 */
export function sumSquaresWebgpu(x: tf.Tensor): tf.Tensor {
  if (!webgpuKernelsWork()) throw new Error('sumSquaresWebgpu: the active tfjs backend is not WebGPU');
  return runProgram(sumSquaresProgram(), [x], [{ type: 'int32', data: [x.size] }]);
}

/** Storage buffers one program may bind (WebGPU's default maxStorageBuffersPerShaderStage), the output among them. */
const MAX_STORAGE = 8;

function sumSquaresChainProgram(count: number, carry: boolean): WgslProgram {
  const names = Array.from({ length: count }, (_, k) => `G${k}`);
  const loops = names
    .map(
      (g, k) => `
        for (var i = lane; i < uniforms.n${k}; i = i + ${SUM_LANES}) {
          let x = ${g}[i];
          acc = acc + x * x;
        }`,
    )
    .join('');
  return {
    variableNames: carry ? ['ACC', ...names] : names,
    outputShape: [1],
    shaderKey: `tabula_sum_squares_chain_${count}_${carry}`,
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [SUM_LANES, 1, 1],
    uniforms: names.map((_, k) => `n${k} : i32,`).join(' '),
    getUserCode: () => `
      var<workgroup> part : array<f32, ${SUM_LANES}>;
      fn main(index : i32) {
        let lane = i32(localId.x);
        var acc = 0.0;${loops}
        part[lane] = acc;
        workgroupBarrier();
        for (var s = ${SUM_LANES / 2}; s > 0; s = s >> 1u) {
          if (lane < s) {
            part[lane] = part[lane] + part[lane + s];
          }
          workgroupBarrier();
        }
        if (lane == 0) {
          result[0] = part[0]${carry ? ' + ACC[0]' : ''};
        }
      }
    `,
  };
}

/**
 * Σx² over all elements of all `xs` (any shapes, float32) as a [1] tensor on WebGPU, in ⌈(n − 1)/6⌉ dispatches for
 * n tensors: the first sums seven, each next one six plus the running total (seven inputs and the output fill the
 * eight storage buffers a shader stage may bind by default). Nothing is read back. Throws when the backend is not
 * WebGPU or `xs` is empty.
 */
export function sumSquaresManyWebgpu(xs: tf.Tensor[]): tf.Tensor {
  if (!webgpuKernelsWork()) throw new Error('sumSquaresManyWebgpu: the active tfjs backend is not WebGPU');
  if (xs.length === 0) throw new Error('sumSquaresManyWebgpu: no tensors to sum');
  let total: tf.Tensor | null = null;
  for (let at = 0; at < xs.length;) {
    const room = total ? MAX_STORAGE - 2 : MAX_STORAGE - 1;
    const batch = xs.slice(at, at + room);
    at += batch.length;
    const uniforms: Uniform[] = batch.map((x) => ({ type: 'int32', data: [x.size] }));
    const next = runProgram(
      sumSquaresChainProgram(batch.length, total !== null),
      total ? [total, ...batch] : batch,
      uniforms,
    );
    total?.dispose();
    total = next;
  }
  return total!;
}

/**
 * The global-norm clip scale min(1, maxNorm / (√Σ + 1e-6)) (torch.nn.utils.clip_grad_norm_, optim.ts's arithmetic)
 * as a [1] tensor from Σg² [1], in one dispatch.
 */
export function clipScaleWebgpu(sumSquares: tf.Tensor, maxNorm: number): tf.Tensor {
  if (!webgpuKernelsWork()) throw new Error('clipScaleWebgpu: the active tfjs backend is not WebGPU');
  const program: WgslProgram = {
    variableNames: ['S'],
    outputShape: [1],
    shaderKey: 'tabula_clip_scale',
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [1, 1, 1],
    uniforms: 'maxNorm : f32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index == 0) {
          result[0] = min(1.0, uniforms.maxNorm / (sqrt(S[0]) + 1e-6));
        }
      }
    `,
  };
  return runProgram(program, [tf.reshape(sumSquares, [1])], [{ type: 'float32', data: [maxNorm] }]);
}
