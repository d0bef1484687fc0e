/**
 * AdamW's moments on WebGPU packed by groups of up to five parameters, so that one WGSL dispatch updates the first
 * and second moments of a whole group and one more per parameter writes its new weights: about 1.2 dispatches a
 * parameter instead of webgpu-adamw.ts's three. A group's moments are one variable [2·Σn]: m of every member in
 * order, then v of every member in the same order. Five gradients, the moments, and the clip scale are seven inputs;
 * with the output that fills the eight storage buffers a shader stage may bind by default.
 *
 * The arithmetic is optim.ts's, in the same order (see webgpu-adamw.ts):
 *   g' = g·s,  m' = β1·m + (1−β1)·g',  v' = β2·v + (1−β2)·g'²,  p' = p·(1 − lr·wd) − (lr/bc1) · m' / (√v'/√bc2 + ε)
 * A parameter with no gradient in a step keeps its moments and weights (as torch.optim.AdamW skips it).
 */
import * as tf from '../tf';
import {
  flatDispatch,
  runProgram,
  webgpuKernelsWork,
  type AdamWStep,
  type Uniform,
  type WgslProgram,
} from './webgpu-adamw';

/** Parameters per group: five gradients + moments + clip scale = seven inputs, plus the output. */
const GROUP = 5;

interface Group {
  names: string[];
  /** Start of each member in the group's m (and, shifted by total, v). */
  offsets: number[];
  total: number;
  mv: tf.Variable;
}

const STEP_UNIFORMS = 'lr : f32, beta1 : f32, beta2 : f32, eps : f32, bc1 : f32, bc2 : f32,';

function momentsProgram(count: number, total: number): WgslProgram {
  const grads = Array.from({ length: count }, (_, k) => `G${k}`);
  // Member k owns [o_k, o_{k+1}); a member with no gradient this step (skip_k = 1) keeps its moments.
  const pick = grads
    .map((g, k) =>
      k === count - 1
        ? `{ g = ${g}[i - uniforms.o${k}]; skip = uniforms.skip${k}; }`
        : `if (i < uniforms.o${k + 1}) { g = ${g}[i - uniforms.o${k}]; skip = uniforms.skip${k}; } else `,
    )
    .join('');
  const workgroupSize: [number, number, number] = [128, 1, 1];
  return {
    variableNames: ['MV', 'S', ...grads],
    outputShape: [2 * total],
    shaderKey: `tabula_adamw_moments_${count}`,
    dispatchLayout: { x: [0] },
    dispatch: flatDispatch(total, workgroupSize[0]),
    workgroupSize,
    uniforms: `total : i32, ${STEP_UNIFORMS} ${grads.map((_, k) => `o${k} : i32, skip${k} : i32,`).join(' ')}`,
    getUserCode: () => `
      fn main(i : i32) {
        if (i < uniforms.total) {
          var g = 0.0;
          var skip = 0;
          ${pick}
          let m = MV[i];
          let v = MV[uniforms.total + i];
          let gs = g * S[0];
          if (skip == 1) {
            result[i] = m;
            result[uniforms.total + i] = v;
          } else {
            result[i] = uniforms.beta1 * m + (1.0 - uniforms.beta1) * gs;
            result[uniforms.total + i] = uniforms.beta2 * v + (1.0 - uniforms.beta2) * (gs * gs);
          }
        }
      }
    `,
  };
}

function weightsProgram(shape: number[]): WgslProgram {
  const n = shape.reduce((a, b) => a * b, 1);
  const workgroupSize: [number, number, number] = [128, 1, 1];
  return {
    variableNames: ['P', 'MV'],
    outputShape: shape,
    shaderKey: 'tabula_adamw_weights',
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: flatDispatch(n, workgroupSize[0]),
    workgroupSize,
    uniforms: `n : i32, offset : i32, total : i32, wd : f32, ${STEP_UNIFORMS}`,
    getUserCode: () => `
      fn main(i : i32) {
        if (i < uniforms.n) {
          let mNew = MV[uniforms.offset + i];
          let vNew = MV[uniforms.total + uniforms.offset + i];
          result[i] = P[i] * (1.0 - uniforms.lr * uniforms.wd) - (uniforms.lr / uniforms.bc1) * mNew / (sqrt(vNew) / sqrt(uniforms.bc2) + uniforms.eps);
        }
      }
    `,
  };
}

const f32 = (x: number): Uniform => ({ type: 'float32', data: [x] });
const i32 = (x: number): Uniform => ({ type: 'int32', data: [x] });

/** AdamW's m and v for a set of parameters, packed by groups on WebGPU, with the update that uses them. */
export class PackedMoments {
  private readonly groups: Group[] = [];
  private readonly params: Map<string, tf.Variable>;

  /** Zero moments for `params` (in order). Throws when the backend is not WebGPU. */
  constructor(params: Map<string, tf.Variable>) {
    if (!webgpuKernelsWork()) throw new Error('PackedMoments: the active tfjs backend is not WebGPU');
    this.params = params;
    const names = [...params.keys()];
    for (let at = 0; at < names.length; at += GROUP) {
      const members = names.slice(at, at + GROUP);
      const offsets: number[] = [];
      let total = 0;
      for (const name of members) {
        offsets.push(total);
        total += params.get(name)!.size;
      }
      this.groups.push({
        names: members,
        offsets,
        total,
        mv: tf.tidy(() => tf.variable(tf.zeros([2 * total]), false)),
      });
    }
  }

  /**
   * One AdamW update: `grads` by parameter name (a missing one skips that parameter), `clip` the clip scale (one
   * value on the device), `wd(name)` the decoupled weight decay of a parameter. Assigns new weights and moments;
   * one dispatch per group plus one per updated parameter, nothing read back.
   */
  update(grads: Map<string, tf.Tensor>, clip: tf.Tensor, s: Omit<AdamWStep, 'wd'>, wd: (name: string) => number): void {
    if (!webgpuKernelsWork())
      throw new Error('AdamW: its moments live on WebGPU, but the active backend is not WebGPU');
    if (clip.size !== 1) throw new Error(`PackedMoments.update: the clip scale must be one value, got ${clip.size}`);
    const step = [s.lr, s.beta1, s.beta2, s.eps, s.bc1, s.bc2].map(f32);
    const scale = tf.reshape(clip, [1]);
    for (const group of this.groups) {
      const gs = group.names.map((name) => {
        const g = grads.get(name);
        const p = this.params.get(name)!;
        if (g && g.size !== p.size)
          throw new Error(`AdamW: the gradient of ${name} has ${g.size} elements, not ${p.size}`);
        return g ?? p; // a stand-in the program reads but does not use (skip = 1)
      });
      const members = group.names.flatMap((name, k) => [i32(group.offsets[k]), i32(grads.has(name) ? 0 : 1)]);
      const program = momentsProgram(group.names.length, group.total);
      const mv = runProgram(program, [group.mv, scale, ...gs], [i32(group.total), ...step, ...members]);
      group.names.forEach((name, k) => {
        if (!grads.has(name)) return;
        const p = this.params.get(name)!;
        const uniforms = [i32(p.size), i32(group.offsets[k]), i32(group.total), f32(wd(name)), ...step];
        const np = runProgram(weightsProgram(p.shape), [p, mv], uniforms);
        p.assign(np);
        np.dispose();
      });
      group.mv.assign(mv);
      mv.dispose();
    }
    scale.dispose();
  }

  /** m and v of each parameter (a device sync; for checkpoints and tests). */
  getState(): { m: Map<string, Float32Array>; v: Map<string, Float32Array> } {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const group of this.groups) {
      const data = group.mv.dataSync() as Float32Array;
      group.names.forEach((name, k) => {
        const at = group.offsets[k];
        const n = this.params.get(name)!.size;
        m.set(name, data.slice(at, at + n));
        v.set(name, data.slice(group.total + at, group.total + at + n));
      });
    }
    return { m, v };
  }

  /** Restore moments saved by getState. Throws, naming the parameter, when one is missing or of the wrong size. */
  setState(state: { m: Map<string, Float32Array>; v: Map<string, Float32Array> }): void {
    for (const group of this.groups) {
      const data = new Float32Array(2 * group.total);
      group.names.forEach((name, k) => {
        const m = state.m.get(name);
        const v = state.v.get(name);
        const n = this.params.get(name)!.size;
        if (!m || !v || m.length !== n || v.length !== n)
          throw new Error(`AdamW.setState: no saved moments of the right size for ${name}`);
        data.set(m, group.offsets[k]);
        data.set(v, group.total + group.offsets[k]);
      });
      tf.tidy(() => group.mv.assign(tf.tensor1d(data)));
    }
  }

  dispose(): void {
    for (const group of this.groups) group.mv.dispose();
    this.groups.length = 0;
  }
}
