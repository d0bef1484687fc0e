/**
 * WebGPU dispatches of a GPT train step split by kernel group — attention, LayerNorm, GELU, the loss, AdamW — each
 * group's forward and backward run alone at the step's shapes (the same functions the model calls, src/core/nn/) and
 * counted at the WebGPU API (gpu-counts.ts), times the number of times a step runs it; "other" is the step's total
 * minus those (the dense matmuls and their gradients, the embedding, residual adds, reshapes, gradient
 * accumulation). Run alone, a group's count can differ from its share inside the step by a few dispatches (tfjs's
 * gradient bookkeeping), so "other" is approximate. Used by `npm run bench -- --groups` and bench.html's `groups=1`.
 */
import * as tf from './tf';
import { GPT } from './nn/gpt';
import { AdamW, DEFAULT_ADAMW } from './nn/optim';
import { activate } from './nn/activations';
import { causalMask, causalSelfAttention } from './nn/attention';
import { crossEntropy, layerNorm } from './nn/ops';
import { trainStep } from './nn/train';
import { benchGptConfig, benchIds, type BenchConfig } from './bench';
import { gpuCountsNow, gpuCountsSince, installGpuCounters } from './gpu-counts';

export interface GroupCount {
  group: 'attention' | 'layernorm' | 'gelu' | 'loss' | 'adamw' | 'other' | 'step';
  /** Times one train step runs the group. */
  calls: number;
  /** Dispatches of all those calls together (forward and backward). */
  dispatches: number;
  /** CPU→GPU uploads (mostly per-dispatch uniforms) of all those calls. */
  uploads: number;
}

/** Dispatches and uploads of `fn` (awaited), its tensors freed. */
async function count(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ dispatches: number; uploads: number }> {
  const at = gpuCountsNow();
  const out = fn();
  const list = Array.isArray(out) ? out : [out];
  await Promise.all(list.map((t) => t.data()));
  const d = gpuCountsSince(at);
  tf.dispose(list);
  return { dispatches: d.dispatches, uploads: d.uploads };
}

/**
 * Count each group of the train step of `c` on the current backend (0 everywhere unless it is WebGPU). The read-backs
 * that end each measurement are not counted as dispatches; the step's total is measured after one warm-up step.
 */
export async function countStepGroups(c: BenchConfig): Promise<GroupCount[]> {
  if (!(tf.getBackend() === 'webgpu' && installGpuCounters())) return [];
  const B = c.batch;
  const T = c.context;
  const d = c.embd;
  const H = c.heads;
  const N = B * T;
  const model = new GPT(benchGptConfig(c), c.seed, `bench-groups-${Math.random().toString(36).slice(2, 8)}`);
  const opt = new AdamW(model.params, { ...DEFAULT_ADAMW, warmupSteps: 0 });
  const ids = tf.tensor2d(benchIds(c), [B, T], 'int32');
  const keep: tf.Tensor[] = [ids];
  const input = (shape: number[], seed: number) => {
    const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
    keep.push(t);
    return t;
  };
  try {
    const qkv = input([N, 3 * d], 1);
    const mask = causalMask(T);
    keep.push(mask);
    const dAttn = input([N, d], 2);
    const x = input([N, d], 3);
    const gain = input([d], 4);
    const bias = input([d], 5);
    const dx = input([N, d], 6);
    const h = input([N, 4 * d], 7);
    const dh = input([N, 4 * d], 8);
    const logits = input([N, c.vocab], 9);
    const dNll = input([N], 10);
    const targets = tf.tensor1d(benchIds({ ...c, batch: 1, context: N }), 'int32');
    keep.push(targets);
    const grads = Object.fromEntries(opt.variables().map((v, i) => [v.name, input(v.shape, 100 + i)]));
    await Promise.all(keep.map((t) => t.data())); // everything on the device before counting

    const step = async () => {
      const r = trainStep(opt, () => tf.mean(model.nll(ids)) as tf.Scalar);
      await r.loss.data();
      return [r.loss, r.gradNorm];
    };
    tf.dispose(await step()); // warm-up
    const at = gpuCountsNow();
    tf.dispose(await step());
    const total = gpuCountsSince(at);

    const attn = await count(() =>
      tf.grads((q: tf.Tensor) => causalSelfAttention(q as tf.Tensor2D, B, T, H, 1 / Math.sqrt(d / H), mask))(
        [qkv],
        dAttn,
      ),
    );
    const ln = await count(() =>
      tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(a, g, b, 1e-5))([x, gain, bias], dx),
    );
    const gelu = await count(() => tf.grads((a: tf.Tensor) => activate(a, 'gelu_new'))([h], dh));
    const loss = await count(() => tf.grads((z: tf.Tensor) => crossEntropy(z as tf.Tensor2D, targets))([logits], dNll));
    const adamw = await count(() => opt.apply(grads));
    const L = c.layers;
    const rows: GroupCount[] = [
      { group: 'attention', calls: L, dispatches: L * attn.dispatches, uploads: L * attn.uploads },
      {
        group: 'layernorm',
        calls: 2 * L + 1,
        dispatches: (2 * L + 1) * ln.dispatches,
        uploads: (2 * L + 1) * ln.uploads,
      },
      { group: 'gelu', calls: L, dispatches: L * gelu.dispatches, uploads: L * gelu.uploads },
      { group: 'loss', calls: 1, dispatches: loss.dispatches, uploads: loss.uploads },
      { group: 'adamw', calls: 1, dispatches: adamw.dispatches, uploads: adamw.uploads },
    ];
    const sum = (k: 'dispatches' | 'uploads') => rows.reduce((s, r) => s + r[k], 0);
    rows.push({
      group: 'other',
      calls: 1,
      dispatches: total.dispatches - sum('dispatches'),
      uploads: total.uploads - sum('uploads'),
    });
    rows.push({ group: 'step', calls: 1, dispatches: total.dispatches, uploads: total.uploads });
    return rows;
  } finally {
    tf.dispose(keep);
    opt.dispose();
    model.dispose();
  }
}
