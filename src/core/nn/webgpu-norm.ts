/**
 * LayerNorm, GELU and the softmax cross-entropy, forward and backward, as WGSL of our own for tfjs-backend-webgpu
 * (issue 23): a call costs the dispatches below instead of the chains of elementwise kernels and reductions that
 * ops.ts's tfjs fallback runs (22, 15 and 10 per call, docs/speed.md).
 *
 *   LayerNorm [R, C]   forward 1 (one workgroup per row, mean and biased variance by workgroup reductions);
 *                      backward 4: per-row mean and 1/σ [R, 2], dx (one workgroup per row), dgain and dbias as column
 *                      sums (16 columns × 16 row phases per workgroup).
 *   GELU (any shape)   forward 1, backward 1 (elementwise; the backward recomputes σ from the saved input).
 *   cross-entropy      forward 1 (one workgroup per row: max, Σexp, NLL = max + log Σexp − z_target), backward 1
 *   [R, V] → [R]       (recomputes the softmax: (p − one-hot)·dNLL).
 *
 * The arithmetic follows ops.ts's fallback chains term by term, so the results agree with them to float32 rounding
 * (the sums run in another order). Each function is a tf.customGrad (one tape node) and runs only where
 * `webgpuKernelsWork()` says so; ops.ts keeps the tfjs ops everywhere else. Programs run through the backend's own
 * `runWebGPUProgram` (webgpu-adamw.ts). Every shader reads all of its inputs and the uniforms (docs/tfjs-notes.md:
 * with the pipeline layout 'auto', an unread binding makes the dispatch silently not run), and every workgroup
 * barrier sits in uniform control flow (rows past the end are guarded around the loads and stores, never returned
 * from early).
 */
import * as tf from '../tf';
import { runProgram, webgpuKernelsWork, type Uniform, type WgslProgram } from './webgpu-adamw';

/** GELU's constants as ops.ts has them: σ(2u), u = √(2/π)·(x + 0.044715·x³). */
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/** Lanes of a row workgroup: the power of two ≥ the row length, between 32 and 256. */
function lanesFor(n: number): number {
  let w = 32;
  while (w < n && w < 256) w *= 2;
  return w;
}

/**
 * WGSL shared by the row kernels: the row of this workgroup (dispatch [R, 1, 1], which the backend may fold into y
 * and z past its per-dimension limit) and tree reductions over the W lanes that return the total to every lane.
 * The reductions hold barriers: call them from uniform control flow only.
 */
function rowSnippet(W: number): string {
  const tree = (op: string) => `
      red[lane] = v;
      workgroupBarrier();
      for (var s = ${W / 2}; s > 0; s = s >> 1u) {
        if (lane < s) {
          red[lane] = ${op};
        }
        workgroupBarrier();
      }
      let total = red[0];
      workgroupBarrier();
      return total;`;
  return `
    var<workgroup> red : array<f32, ${W}>;
    fn rowIndex() -> i32 {
      return i32(workgroupId.x + numWorkgroups.x * (workgroupId.y + numWorkgroups.y * workgroupId.z));
    }
    fn wgSum(v : f32) -> f32 {
      let lane = i32(localId.x);${tree('red[lane] + red[lane + s]')}
    }
    fn wgMax(v : f32) -> f32 {
      let lane = i32(localId.x);${tree('max(red[lane], red[lane + s])')}
    }`;
}

type RowKind = 'ln_fwd' | 'ln_stats' | 'ln_dx' | 'ce_fwd' | 'ce_bwd';

const ROW_INPUTS: Record<RowKind, string[]> = {
  ln_fwd: ['X', 'G', 'B'],
  ln_stats: ['X'],
  ln_dx: ['X', 'G', 'DY', 'S'],
  ce_fwd: ['Z', 'T'],
  ce_bwd: ['Z', 'T', 'DY'],
};

/** Mean and 1/√(σ² + eps) of row `row` of X into `mean` and `rstd` (two reductions). */
const LN_STATS = `
      var acc = 0.0;
      if (ok) {
        for (var c = lane; c < cols; c += W) { acc += X[base + c]; }
      }
      let mean = wgSum(acc) / f32(cols);
      var acc2 = 0.0;
      if (ok) {
        for (var c = lane; c < cols; c += W) {
          let d = X[base + c] - mean;
          acc2 += d * d;
        }
      }
      let rstd = inverseSqrt(wgSum(acc2) / f32(cols) + uniforms.eps);`;

/** Row max and Σexp(z − max) of Z's row into `zmax` and `total` (two reductions). */
const SOFTMAX_STATS = `
      var m = -3.402823e38;
      if (ok) {
        for (var c = lane; c < cols; c += W) { m = max(m, Z[base + c]); }
      }
      let zmax = wgMax(m);
      var acc = 0.0;
      if (ok) {
        for (var c = lane; c < cols; c += W) { acc += exp(Z[base + c] - zmax); }
      }
      let total = wgSum(acc);
      var t = -1;
      if (ok) { t = T[row]; }`;

const ROW_BODY: Record<RowKind, string> = {
  ln_fwd: `${LN_STATS}
      if (ok) {
        for (var c = lane; c < cols; c += W) { result[base + c] = (X[base + c] - mean) * rstd * G[c] + B[c]; }
      }`,
  ln_stats: `${LN_STATS}
      if (ok && lane == 0) {
        result[2 * row] = mean;
        result[2 * row + 1] = rstd;
      }`,
  ln_dx: `
      var mean = 0.0;
      var rstd = 0.0;
      if (ok) {
        mean = S[2 * row];
        rstd = S[2 * row + 1];
      }
      var a = 0.0;
      var b = 0.0;
      if (ok) {
        for (var c = lane; c < cols; c += W) {
          let xh = (X[base + c] - mean) * rstd;
          let dxh = DY[base + c] * G[c];
          a += dxh;
          b += dxh * xh;
        }
      }
      let ma = wgSum(a) / f32(cols);
      let mb = wgSum(b) / f32(cols);
      if (ok) {
        for (var c = lane; c < cols; c += W) {
          let xh = (X[base + c] - mean) * rstd;
          let dxh = DY[base + c] * G[c];
          result[base + c] = ((dxh - ma) - xh * mb) * rstd;
        }
      }`,
  // A target outside [0, V) gives NaN, so a bad id shows in the loss instead of reading another row.
  ce_fwd: `${SOFTMAX_STATS}
      if (ok && lane == 0) {
        var nll = uniforms.NAN;
        if (t >= 0 && t < cols) { nll = (zmax + log(total)) - Z[base + t]; }
        result[row] = nll;
      }`,
  ce_bwd: `${SOFTMAX_STATS}
      if (ok) {
        let dy = DY[row];
        for (var c = lane; c < cols; c += W) {
          let p = exp(Z[base + c] - zmax) / total;
          result[base + c] = (p - select(0.0, 1.0, c == t)) * dy;
        }
      }`,
};

/** A program with one workgroup per row of a [rows, cols] input; output `outputShape`. */
function rowProgram(kind: RowKind, rows: number, cols: number, outputShape: number[]): WgslProgram {
  const W = lanesFor(cols);
  return {
    variableNames: ROW_INPUTS[kind],
    outputShape,
    shaderKey: `tabula_${kind}_${W}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [rows, 1, 1],
    workgroupSize: [W, 1, 1],
    uniforms: 'rows : i32, cols : i32, eps : f32,',
    getUserCode: () => `
    ${rowSnippet(W)}
    const W = ${W};
    fn main(index : i32) {
      let row = rowIndex();
      let lane = i32(localId.x);
      let cols = uniforms.cols;
      let ok = row < uniforms.rows;
      let base = row * cols;
      ${ROW_BODY[kind]}
    }`,
  };
}

function rowUniforms(rows: number, cols: number, eps = 0): Uniform[] {
  return [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [cols] },
    { type: 'float32', data: [eps] },
  ];
}

/** Column sums over the rows of [R, C]: dgain = Σ dy·x̂ (inputs X, DY, S) or dbias = Σ dy (input DY); output [C]. */
function columnSumProgram(kind: 'dg' | 'db', cols: number): WgslProgram {
  const term = kind === 'dg' ? 'DY[i] * ((X[i] - S[2 * r]) * S[2 * r + 1])' : 'DY[i]';
  return {
    variableNames: kind === 'dg' ? ['X', 'DY', 'S'] : ['DY'],
    outputShape: [cols],
    shaderKey: `tabula_ln_${kind}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(cols / 16), 1, 1],
    workgroupSize: [16, 16, 1],
    uniforms: 'rows : i32, cols : i32, eps : f32,',
    getUserCode: () => `
    var<workgroup> part : array<f32, 256>;
    fn main(index : i32) {
      let lx = i32(localId.x);
      let ly = i32(localId.y);
      let col = i32(workgroupId.x) * 16 + lx;
      var acc = 0.0;
      if (col < uniforms.cols) {
        // Blocked: 64 rows into a partial, partials into acc, so rounding grows with 64 + R/1024 terms, not R/16.
        for (var r0 = ly; r0 < uniforms.rows; r0 += 1024) {
          var blockSum = 0.0;
          for (var r = r0; r < min(r0 + 1024, uniforms.rows); r += 16) {
            let i = r * uniforms.cols + col;
            blockSum += ${term};
          }
          acc += blockSum;
        }
      }
      part[ly * 16 + lx] = acc;
      workgroupBarrier();
      for (var s = 8; s > 0; s = s >> 1u) {
        if (ly < s) {
          part[ly * 16 + lx] = part[ly * 16 + lx] + part[(ly + s) * 16 + lx];
        }
        workgroupBarrier();
      }
      if (ly == 0 && col < uniforms.cols) {
        result[col] = part[lx];
      }
    }`,
  };
}

/** GELU forward (input X) or backward (inputs X, DY), elementwise over n values. */
function geluProgram(kind: 'fwd' | 'bwd', n: number): WgslProgram {
  const out =
    kind === 'fwd'
      ? 'x * s'
      : `DY[i] * (s + (x * (s * (1.0 - s))) * (${2 * GELU_C} + ${6 * GELU_C * GELU_A} * (x * x)))`;
  return {
    variableNames: kind === 'fwd' ? ['X'] : ['X', 'DY'],
    outputShape: [n],
    shaderKey: `tabula_gelu_${kind}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(n / 128), 1, 1],
    workgroupSize: [128, 1, 1],
    uniforms: 'n : i32,',
    getUserCode: () => `
    fn main(i : i32) {
      if (i < uniforms.n) {
        let x = X[i];
        // σ(z) with z clamped to ±80 (σ is 1 or < 2e-35 there) so exp cannot overflow.
        let z = clamp(x * (${2 * GELU_C} + ${2 * GELU_C * GELU_A} * (x * x)), -80.0, 80.0);
        let s = 1.0 / (1.0 + exp(-z));
        result[i] = ${out};
      }
    }`,
  };
}

function assertWebgpu(name: string): void {
  if (!webgpuKernelsWork()) throw new Error(`${name}: the active tfjs backend is not WebGPU`);
}

/**
 * LayerNorm over the last axis with biased variance, as ops.ts's layerNorm: x [R, C] float32, gain and bias [C] →
 * [R, C]. One dispatch forward, four backward (row statistics, dx, dgain, dbias); saves x and the gain. Throws when
 * the backend is not WebGPU or the shapes disagree.
 */
export function layerNormWebgpu(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor2D {
  assertWebgpu('layerNormWebgpu');
  const [R, C] = x.shape;
  if (gain.size !== C || bias.size !== C)
    throw new Error(`layerNormWebgpu: gain has ${gain.size} and bias ${bias.size} values, the rows ${C}`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x2, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    save([x2, g]);
    return {
      value: runProgram(rowProgram('ln_fwd', R, C, [R, C]), [x2, g, b], rowUniforms(R, C, eps)),
      gradFunc: (dy: tf.Tensor, [sx, sg]: tf.Tensor[]) => {
        const u = rowUniforms(R, C, eps);
        const stats = runProgram(rowProgram('ln_stats', R, C, [R, 2]), [sx], u);
        return [
          runProgram(rowProgram('ln_dx', R, C, [R, C]), [sx, sg, dy, stats], u),
          runProgram(columnSumProgram('dg', C), [sx, dy, stats], u),
          runProgram(columnSumProgram('db', C), [dy], u),
        ];
      },
    };
  }) as (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
  return f(x, gain, bias);
}

/**
 * GELU, tanh approximation, as ops.ts's gelu: x·σ(2u), u = √(2/π)·(x + 0.044715·x³), any shape (float32). One
 * dispatch forward, one backward; saves x. Throws when the backend is not WebGPU.
 */
export function geluWebgpu(x: tf.Tensor): tf.Tensor {
  assertWebgpu('geluWebgpu');
  const shape = x.shape;
  const n = x.size;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x1, save] = args as [tf.Tensor1D, tf.GradSaveFunc];
    save([x1]);
    const u: Uniform[] = [{ type: 'int32', data: [n] }];
    return {
      value: runProgram(geluProgram('fwd', n), [x1], u),
      gradFunc: (dy: tf.Tensor, [sx]: tf.Tensor[]) => [runProgram(geluProgram('bwd', n), [sx, dy], u)],
    };
  }) as (x: tf.Tensor) => tf.Tensor;
  return tf.reshape(f(tf.reshape(x, [n])), shape);
}

/**
 * Per-row cross-entropy −log softmax(logits)[target], as ops.ts's crossEntropy: logits [R, V] float32, int32
 * targets [R] → NLL [R] (nats); a target outside [0, V) gives NaN. One dispatch forward, one backward
 * ((p − one-hot)·dNLL); saves the logits and targets. Throws when the backend is not WebGPU or the shapes disagree.
 */
export function crossEntropyWebgpu(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  assertWebgpu('crossEntropyWebgpu');
  const [R, V] = logits.shape;
  if (targets.size !== R || targets.dtype !== 'int32')
    throw new Error(`crossEntropyWebgpu: targets must be ${R} int32 ids, got ${targets.size} ${targets.dtype}`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([z, targets]); // targets too: the caller's tidy may free them before the backward pass
    const u = rowUniforms(R, V);
    return {
      value: runProgram(rowProgram('ce_fwd', R, V, [R]), [z, targets], u),
      gradFunc: (dy: tf.Tensor, [sz, st]: tf.Tensor[]) => [
        runProgram(rowProgram('ce_bwd', R, V, [R, V]), [sz, st, tf.reshape(dy, [R])], u),
      ],
    };
  }) as (z: tf.Tensor) => tf.Tensor1D;
  return f(logits);
}
