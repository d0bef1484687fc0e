/**
 * `npm run bench`: throughput figures for the Node backends (wasm, cpu). Per backend: the backend's own large-matmul
 * GFLOP/s, then for two GPT sizes the train-step tokens/s and model FLOPs/s as a fraction of that matmul rate
 * (MFU-style; FLOPs/token ≈ 6·N + 12·L·d·T). Prints a table; asserts nothing. `--quick` runs fewer steps.
 */
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../core/backend-node';
import type { BackendName } from '../core/backend';
import { GPT, trainingEmbedMode, type GPTConfig } from '../core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../core/nn/optim';
import { trainStep } from '../core/nn/train';
import { Rng } from '../core/nn/init';
import { backendArg, parseFlags, runCli } from './common';

const SIZES: { label: string; config: Partial<GPTConfig> }[] = [
  { label: '2L d64', config: { nLayer: 2, nEmbd: 64, nHead: 4 } },
  { label: '4L d128', config: { nLayer: 4, nEmbd: 128, nHead: 4 } },
];
const T = 96;
const B = 16;
const VOCAB = 2624; // ~2k text BPE + 512 image codes + specials, the experiment's shape

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function matmulGflops(n: number, reps: number): Promise<number> {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const once = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (median(times) / 1000) / 1e9;
}

async function stepMs(config: GPTConfig, steps: number, mode: 'onehot' | 'gather'): Promise<{ ms: number; model: GPT }> {
  const model = new GPT(config, 0, `bench-${Math.random().toString(36).slice(2)}`);
  const opt = new AdamW(model.params, DEFAULT_ADAMW);
  const rng = new Rng(1);
  const ids = tf.tensor2d(Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(VOCAB))), [B, T], 'int32');
  const run = async () => {
    const r = trainStep(opt, () => tf.mean(model.nll(ids, mode)) as tf.Scalar);
    await r.loss.data();
    tf.dispose([r.loss, r.gradNorm]);
  };
  await run(); // warm-up: kernel compilation and first allocations
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  ids.dispose();
  opt.dispose();
  return { ms: median(times), model };
}

async function main(): Promise<void> {
  const { values } = parseFlags({ backends: { type: 'string', default: 'wasm,cpu' }, quick: { type: 'boolean', default: false } }, 'usage: npm run bench -- [--backends wasm,cpu,webgpu] [--quick]');
  const backends: BackendName[] = values.backends!.split(',').map((b) => backendArg(b.trim(), 'backends'));
  console.log(`GPT train step, context ${T}, batch ${B} (${T * B} tokens), vocab ${VOCAB}; median of timed steps after one warm-up.`);
  const rows: string[][] = [['backend', 'matmul GFLOP/s', 'model', 'params', 'step ms', 'tokens/s', 'model GFLOP/s', 'MFU vs matmul']];
  for (const name of backends) {
    const choice = await initNodeBackend(name);
    if (choice.backend !== name) {
      console.log(`${name}: unavailable (${choice.refusals.map((r) => r.detail).join(' ')})`);
      continue;
    }
    const peak = await matmulGflops(512, values.quick ? 2 : 5);
    for (const size of SIZES) {
      const config: GPTConfig = { vocabSize: VOCAB, nPositions: T, layerNormEps: 1e-5, tieEmbeddings: true, initStd: 0.02, nEmbd: 64, nLayer: 2, nHead: 4, ...size.config };
      const steps = values.quick || name === 'cpu' ? 2 : 5;
      const mode = trainingEmbedMode(name);
      const { ms, model } = await stepMs(config, steps, mode);
      const tps = (B * T) / (ms / 1000);
      const flops = model.flopsPerToken(T) * tps;
      rows.push([name, peak.toFixed(1), size.label, (model.numParams() / 1e6).toFixed(2) + 'M', ms.toFixed(0), tps.toFixed(0), (flops / 1e9).toFixed(2), ((100 * flops) / (peak * 1e9)).toFixed(1) + '%']);
      model.dispose();
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i])).join('  '));
}

runCli('bench', main);
