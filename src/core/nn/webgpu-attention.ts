/**
 * Causal multi-head self-attention as WGSL of our own for tfjs-backend-webgpu: one dispatch forward, two backward,
 * instead of the 26 per layer that attention.ts's tfjs chain runs (transposes, splits, three batched matmuls, the
 * mask, a softmax of several kernels, and their gradients). The programs read the fused projection qkv [B·T, 3d]
 * (columns q | k | v, each H heads of hd) in place and write y [B·T, d] and dqkv [B·T, 3d] in place, so no transpose
 * or split runs. Nothing of size T² is kept between forward and backward: the backward recomputes the softmax rows.
 *
 *   forward  (one workgroup per query row r = (b, h, t)):  s_u = scale·q_t·k_u (u ≤ t),  p = softmax(s),  y_t = Σ p_u v_u
 *   backward 1 (one workgroup per row): p as above, dP_u = dy_t·v_u,  D = Σ_u p_u dP_u,  dS_u = scale·p_u (dP_u − D);
 *            writes P and dS as one [2, B·H, T, T] tensor (zeros above the diagonal)
 *   backward 2 (one thread per element of dqkv):  dq_t = Σ_{u≤t} dS_tu k_u,  dk_t = Σ_{u≥t} dS_ut q_u,
 *            dv_t = Σ_{u≥t} P_ut dy_u
 *
 * The masked scores are left out of the sums, as the tfjs chain's −1e9 mask makes them exactly 0 after exp. Programs
 * run through webgpu-adamw.ts's `runProgram`; each reads every input (see there). T is compiled into the shaders
 * (workgroup arrays of T floats), so T ≤ MAX_T.
 */
import * as tf from '../tf';
import { flatDispatch, runProgram, type WgslProgram } from './webgpu-adamw';

/** Lanes of a row's workgroup (a power of two: the reductions halve it). */
const LANES = 64;
/** Longest sequence the row programs take: two arrays of T floats stay within 16 KiB of workgroup memory. */
export const MAX_T = 1024;

interface Dims {
  B: number;
  T: number;
  H: number;
  hd: number;
}

/** WGSL constants shared by the programs: the shape, and where q, k, v of row (b, t), head h start in qkv. */
function constants({ T, H, hd }: Dims): string {
  const d = H * hd;
  return `
      const T = ${T};
      const H = ${H};
      const HD = ${hd};
      const D = ${d};
      const ROW3 = ${3 * d};
      const LANES = ${LANES};
      var<workgroup> red : array<f32, ${LANES}>;`;
}

/**
 * WGSL that, in a workgroup owning query row (b, h, t), fills `sc[u]` (u ≤ t) with the softmax probabilities p_u
 * of scale·q_t·k_u and leaves `lane`, `qBase` (q_t's offset in qkv) and `bT` (b·T) defined. Every lane runs it
 * (barriers), including those of padding workgroups (`valid` false), which compute row 0's values and write nothing.
 */
function softmaxRowCode(): string {
  return `
        let group = i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x);
        let valid = group < uniforms.rows;
        let row = select(0, group, valid);
        let lane = i32(localIndex);
        let t = row % T;
        let h = (row / T) % H;
        let bT = (row / (T * H)) * T;
        let qBase = (bT + t) * ROW3 + h * HD;
        var mx = -3.4e38;
        for (var u = lane; u <= t; u = u + LANES) {
          let kBase = (bT + u) * ROW3 + D + h * HD;
          var acc = 0.0;
          for (var j = 0; j < HD; j = j + 1) {
            acc = acc + QKV[qBase + j] * QKV[kBase + j];
          }
          let s = acc * uniforms.scale;
          sc[u] = s;
          mx = max(mx, s);
        }
        red[lane] = mx;
        workgroupBarrier();
        for (var w = LANES / 2; w > 0; w = w >> 1u) {
          if (lane < w) {
            red[lane] = max(red[lane], red[lane + w]);
          }
          workgroupBarrier();
        }
        let rowMax = red[0];
        workgroupBarrier();
        var sum = 0.0;
        for (var u = lane; u <= t; u = u + LANES) {
          let e = exp(sc[u] - rowMax);
          sc[u] = e;
          sum = sum + e;
        }
        red[lane] = sum;
        workgroupBarrier();
        for (var w = LANES / 2; w > 0; w = w >> 1u) {
          if (lane < w) {
            red[lane] = red[lane] + red[lane + w];
          }
          workgroupBarrier();
        }
        let rowSum = red[0];
        workgroupBarrier();
        for (var u = lane; u <= t; u = u + LANES) {
          sc[u] = sc[u] / rowSum;
        }
        workgroupBarrier();`;
}

function forwardProgram(dims: Dims): WgslProgram {
  const { B, T, H, hd } = dims;
  const rows = B * H * T;
  return {
    variableNames: ['QKV'],
    outputShape: [B * T, H * hd],
    shaderKey: `tabula_attn_fwd_${T}_${H}_${hd}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: flatDispatch(rows * LANES, LANES),
    workgroupSize: [LANES, 1, 1],
    uniforms: 'rows : i32, scale : f32,',
    getUserCode: () => `
      ${constants(dims)}
      var<workgroup> sc : array<f32, ${T}>;
      fn main(index : i32) {
        ${softmaxRowCode()}
        for (var j = lane; j < HD; j = j + LANES) {
          var acc = 0.0;
          for (var u = 0; u <= t; u = u + 1) {
            acc = acc + sc[u] * QKV[(bT + u) * ROW3 + 2 * D + h * HD + j];
          }
          if (valid) {
            result[(bT + t) * D + h * HD + j] = acc;
          }
        }
      }
    `,
  };
}

function softmaxGradProgram(dims: Dims): WgslProgram {
  const { B, T, H, hd } = dims;
  const rows = B * H * T;
  return {
    variableNames: ['QKV', 'DY'],
    outputShape: [2, B * H, T, T],
    shaderKey: `tabula_attn_dsoftmax_${T}_${H}_${hd}`,
    dispatchLayout: { x: [0, 1, 2, 3] },
    dispatch: flatDispatch(rows * LANES, LANES),
    workgroupSize: [LANES, 1, 1],
    uniforms: 'rows : i32, scale : f32,',
    getUserCode: () => `
      ${constants(dims)}
      var<workgroup> sc : array<f32, ${T}>;
      var<workgroup> dp : array<f32, ${T}>;
      fn main(index : i32) {
        ${softmaxRowCode()}
        let dyBase = (bT + t) * D + h * HD;
        var part = 0.0;
        for (var u = lane; u <= t; u = u + LANES) {
          let vBase = (bT + u) * ROW3 + 2 * D + h * HD;
          var acc = 0.0;
          for (var j = 0; j < HD; j = j + 1) {
            acc = acc + DY[dyBase + j] * QKV[vBase + j];
          }
          dp[u] = acc;
          part = part + sc[u] * acc;
        }
        red[lane] = part;
        workgroupBarrier();
        for (var w = LANES / 2; w > 0; w = w >> 1u) {
          if (lane < w) {
            red[lane] = red[lane] + red[lane + w];
          }
          workgroupBarrier();
        }
        let dot = red[0];
        if (valid) {
          let pOut = row * T;
          let dsOut = (uniforms.rows + row) * T;
          for (var u = lane; u < T; u = u + LANES) {
            if (u <= t) {
              result[pOut + u] = sc[u];
              result[dsOut + u] = sc[u] * (dp[u] - dot) * uniforms.scale;
            } else {
              result[pOut + u] = 0.0;
              result[dsOut + u] = 0.0;
            }
          }
        }
      }
    `,
  };
}

function qkvGradProgram(dims: Dims): WgslProgram {
  const { B, T, H, hd } = dims;
  const n = B * T * 3 * H * hd;
  const workgroupSize: [number, number, number] = [128, 1, 1];
  return {
    variableNames: ['QKV', 'DY', 'PDS'],
    outputShape: [B * T, 3 * H * hd],
    shaderKey: `tabula_attn_dqkv_${T}_${H}_${hd}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: flatDispatch(n, workgroupSize[0]),
    workgroupSize,
    uniforms: 'rows : i32, size : i32,',
    getUserCode: () => `
      ${constants(dims)}
      fn main(i : i32) {
        if (i < uniforms.size) {
          let col = i % ROW3;
          let bt = i / ROW3;
          let t = bt % T;
          let bT = bt - t;
          let part = col / D;
          let h = (col % D) / HD;
          let j = col % HD;
          let n = (bT / T) * H + h;
          let pBase = n * T * T;
          let dsBase = uniforms.rows * T + pBase;
          var acc = 0.0;
          if (part == 0) {
            for (var u = 0; u <= t; u = u + 1) {
              acc = acc + PDS[dsBase + t * T + u] * QKV[(bT + u) * ROW3 + D + h * HD + j];
            }
          } else if (part == 1) {
            for (var u = t; u < T; u = u + 1) {
              acc = acc + PDS[dsBase + u * T + t] * QKV[(bT + u) * ROW3 + h * HD + j];
            }
          } else {
            for (var u = t; u < T; u = u + 1) {
              acc = acc + PDS[pBase + u * T + t] * DY[(bT + u) * D + h * HD + j];
            }
          }
          result[i] = acc;
        }
      }
    `,
  };
}

function check(qkv: tf.Tensor, dims: Dims, who: string): void {
  const { B, T, H, hd } = dims;
  if (qkv.shape.length !== 2 || qkv.shape[0] !== B * T || qkv.shape[1] !== 3 * H * hd)
    throw new Error(`${who}: qkv [${qkv.shape}] is not [B·T, 3·H·hd] = [${B * T}, ${3 * H * hd}]`);
  if (T > MAX_T) throw new Error(`${who}: T = ${T} exceeds the kernel's ${MAX_T}`);
}

/**
 * Forward: y [B·T, H·hd] from qkv [B·T, 3·H·hd] (one dispatch). `scale` multiplies q·kᵀ. Throws on a shape that
 * does not fit or T > MAX_T; the caller checks webgpuKernelsWork().
 */
export function attentionForwardWebgpu(qkv: tf.Tensor2D, B: number, T: number, H: number, scale: number): tf.Tensor2D {
  const hd = qkv.shape[1] / (3 * H);
  const dims = { B, T, H, hd };
  check(qkv, dims, 'attentionForwardWebgpu');
  return runProgram(
    forwardProgram(dims),
    [qkv],
    [
      { type: 'int32', data: [B * H * T] },
      { type: 'float32', data: [scale] },
    ],
  ) as tf.Tensor2D;
}

/**
 * Backward: dqkv [B·T, 3·H·hd] from qkv and the output's gradient dy [B·T, H·hd] (two dispatches; the softmax rows
 * are recomputed, and P and dS, [2, B·H, T, T], live only between the two).
 */
export function attentionBackwardWebgpu(
  qkv: tf.Tensor2D,
  dy: tf.Tensor,
  B: number,
  T: number,
  H: number,
  scale: number,
): tf.Tensor2D {
  const hd = qkv.shape[1] / (3 * H);
  const dims = { B, T, H, hd };
  check(qkv, dims, 'attentionBackwardWebgpu');
  if (dy.size !== B * T * H * hd)
    throw new Error(`attentionBackwardWebgpu: dy [${dy.shape}] is not [${B * T}, ${H * hd}]`);
  const rows = B * H * T;
  const pds = runProgram(
    softmaxGradProgram(dims),
    [qkv, dy],
    [
      { type: 'int32', data: [rows] },
      { type: 'float32', data: [scale] },
    ],
  );
  const dqkv = runProgram(
    qkvGradProgram(dims),
    [qkv, dy, pds],
    [
      { type: 'int32', data: [rows] },
      { type: 'int32', data: [qkv.size] },
    ],
  ) as tf.Tensor2D;
  pds.dispose();
  return dqkv;
}
