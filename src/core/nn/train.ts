// One optimisation step: loss and gradients for the optimizer's variables, then the AdamW update.
import * as tf from '../tf';
import type { AdamW } from './optim';

export interface StepResult {
  /** The loss before the update (kept; dispose or read with readStep). */
  loss: tf.Scalar;
  /** Global gradient norm before clipping (kept). */
  gradNorm: tf.Scalar;
}

/** Compute `lossFn` and its gradients, apply one AdamW update. Nothing is read back: the values stay on the device. */
export function trainStep(optimizer: AdamW, lossFn: () => tf.Scalar): StepResult {
  const { value, grads } = tf.variableGrads(lossFn, optimizer.variables());
  const gradNorm = optimizer.apply(grads);
  tf.dispose(grads);
  return { loss: value, gradNorm };
}

/** Read a step's numbers back (a device sync) and free its tensors. */
export async function readStep(r: StepResult): Promise<{ loss: number; gradNorm: number }> {
  const [loss, gradNorm] = await Promise.all([r.loss.data(), r.gradNorm.data()]);
  r.loss.dispose();
  r.gradNorm.dispose();
  return { loss: loss[0], gradNorm: gradNorm[0] };
}
