// WebGPU in Node (npm `webgpu`, Dawn; SwiftShader's Vulkan ICD where there is no GPU): GPT parity with the float64
// reference, and a 29-tensor global norm (the addN trap of docs/tfjs-notes.md). Skipped, with the reason, without an
// adapter.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { initNodeBackend } from '../../src/cli/backend-node';
import { GPT } from '../../src/core/nn/gpt';
import { globalNorm } from '../../src/core/nn/optim';
import { DEFAULT_VQ_CONFIG, VQVAE } from '../../src/core/nn/vqvae';
import { referenceNll } from './reference/gpt64';
import { expectAllclose } from './helpers/tf';

const choice = await initNodeBackend('webgpu').catch((e: Error) => ({
  backend: 'none',
  refusals: [{ detail: e.message }],
}));
const reason = choice.backend === 'webgpu' ? '' : choice.refusals.map((r) => r.detail).join(' ');

describe.skipIf(choice.backend !== 'webgpu')(
  `GPT and VQ-VAE on webgpu in Node${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    it('matches the float64 reference within 1e-4 relative, and sums 29 tensors correctly', async () => {
      await initNodeBackend('webgpu');
      const config = {
        vocabSize: 29,
        nPositions: 8,
        nEmbd: 16,
        nLayer: 2,
        nHead: 4,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.2,
      };
      const model = new GPT(config, 4);
      const W = new Map<string, { shape: number[]; data: Float64Array }>();
      for (const [n, v] of model.params) W.set(n, { shape: v.shape, data: Float64Array.from(await v.data()) });
      const ids = [[3, 1, 4, 1, 5, 9, 2, 6]];
      const idsT = tf.tensor2d(ids, [1, 8], 'int32');
      const nll = model.nll(idsT);
      const err = expectAllclose(await nll.data(), referenceNll(config, W, ids[0]), 1e-4);
      console.log(`[parity] webgpu (Node): max rel err nll ${err.toExponential(2)}`);
      const xs = Array.from({ length: 29 }, (_, i) => tf.fill([4], i + 1));
      const norm = globalNorm(xs);
      let expected = 0;
      for (let i = 1; i <= 29; i++) expected += 4 * i * i;
      expect((await norm.data())[0]).toBeCloseTo(Math.sqrt(expected), 2);
      tf.dispose([idsT, nll, norm, ...xs]);
      model.dispose();
      await initNodeBackend('cpu');
    });

    it('gives the VQ-VAE the same losses and gradient norm as wasm', async () => {
      const config = { ...DEFAULT_VQ_CONFIG, channels: 4, resBlocks: 1, codeDim: 4, codebookSize: 16 };
      const pixels = Float32Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => ((i * 7919) % 101) / 100);
      const run = async (backend: 'webgpu' | 'wasm') => {
        await initNodeBackend(backend);
        const model = new VQVAE(config, 2);
        const x = tf.tensor4d(pixels, [2, 32, 32, 3]);
        const vars = [...model.params.values()].filter((v) => v.trainable);
        let kept: tf.Tensor[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const r = model.losses(x);
          kept = [r.recon, r.codebook, r.commitment].map((t) => tf.keep(t));
          tf.dispose([r.ids, r.z]);
          return r.total;
        }, vars);
        const norm = globalNorm(Object.values(grads));
        const out = await Promise.all([...kept, value, norm].map(async (t) => (await t.data())[0]));
        tf.dispose([x, value, norm, ...kept, ...Object.values(grads)]);
        model.dispose();
        return out;
      };
      const gpu = await run('webgpu');
      const wasm = await run('wasm');
      const err = expectAllclose(gpu, wasm, 1e-4, 1e-7);
      console.log(
        `[parity] VQ-VAE webgpu vs wasm (recon, codebook, commitment, total, grad norm): max rel err ${err.toExponential(2)}`,
      );
    });
  },
);
