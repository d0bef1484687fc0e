// Test helpers: backend set-up for Node and an allclose assertion with a readable failure.
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/core/backend-node';
import type { BackendName } from '../../../src/core/backend';
import type { GPT } from '../../../src/core/nn/gpt';
import type { Weights } from '../reference/gpt64';

export async function useBackend(name: BackendName): Promise<void> {
  const choice = await initNodeBackend(name);
  if (choice.backend !== name) throw new Error(`wanted ${name}, got ${choice.backend}: ${JSON.stringify(choice.refusals)}`);
}

/** Max |a−b| / (atol + rtol·|b|) over all entries must be ≤ 1. Returns the largest relative error seen. */
export function expectAllclose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol = 0): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ ${expected.length}`);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / (atol + rtol * Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  }
  if (!(worst <= 1)) throw new Error(`not allclose at ${worstAt}: ${actual[worstAt]} vs ${expected[worstAt]} (rtol ${rtol}, atol ${atol})`);
  return worst * rtol;
}

/** The model's weights as float64, for the reference implementation. */
export function weights64(model: GPT): Weights {
  const out: Weights = new Map();
  for (const [name, v] of model.params) out.set(name, { shape: v.shape, data: Float64Array.from(v.dataSync()) });
  return out;
}

export { tf };
