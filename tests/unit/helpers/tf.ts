// Test helpers: backend set-up for Node, an allclose assertion with a readable failure, and the finite-difference
// gradient check against the float64 reference.
import * as tf from '../../../src/core/tf';
import { initNodeBackend } from '../../../src/cli/backend-node';
import type { BackendName } from '../../../src/core/backend';
import type { GPT } from '../../../src/core/nn/gpt';
import type { Weights } from '../reference/gpt64';

export async function useBackend(name: BackendName): Promise<void> {
  const choice = await initNodeBackend(name);
  if (choice.backend !== name)
    throw new Error(`wanted ${name}, got ${choice.backend}: ${JSON.stringify(choice.refusals)}`);
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
  if (!(worst <= 1))
    throw new Error(
      `not allclose at ${worstAt}: ${actual[worstAt]} vs ${expected[worstAt]} (rtol ${rtol}, atol ${atol})`,
    );
  return worst * rtol;
}

/** The model's weights as float64, for the reference implementation. */
export function weights64(model: GPT): Weights {
  const out: Weights = new Map();
  for (const [name, v] of model.params) out.set(name, { shape: v.shape, data: Float64Array.from(v.dataSync()) });
  return out;
}

/** Per-position NLL of a fixed 8-id sequence (ids < 19): the same probe for every checkpoint test. */
export async function nllOf(model: GPT): Promise<number[]> {
  const ids = tf.tensor2d([[1, 5, 9, 2, 18, 0, 3, 7]], [1, 8], 'int32');
  const nll = model.nll(ids);
  const out = Array.from(await nll.data());
  tf.dispose([ids, nll]);
  return out;
}

/**
 * Finite-difference check of a model's gradients: for `perParam` random entries of each parameter, the float64
 * reference loss `refLoss` (reading `W`, the model's weights as float64) is evaluated at ±h (central difference)
 * and compared with tfjs's gradient `grads[v.name]` (rtol 1e-3, atol 2e-5). Returns how many entries were checked.
 */
export function expectGradsMatchFiniteDifferences(
  model: GPT,
  grads: tf.NamedTensorMap,
  W: Weights,
  refLoss: () => number,
  rng: { int(n: number): number },
  perParam: number,
  h = 1e-5,
): number {
  let checked = 0;
  for (const [name, v] of model.params) {
    const g = grads[v.name].dataSync();
    const data = W.get(name)!.data;
    const analytic: number[] = [];
    const numeric: number[] = [];
    for (let k = 0; k < perParam; k++) {
      const i = rng.int(data.length);
      const orig = data[i];
      data[i] = orig + h;
      const up = refLoss();
      data[i] = orig - h;
      const down = refLoss();
      data[i] = orig;
      analytic.push(g[i]);
      numeric.push((up - down) / (2 * h));
    }
    expectAllclose(analytic, numeric, 1e-3, 2e-5);
    checked += analytic.length;
  }
  return checked;
}

export { tf };
