/**
 * The MLP activations a GPT-2 checkpoint may name in `activation_function`, each with the formula of Hugging Face
 * `transformers` (activations.py, ACT2FN) so a loaded checkpoint computes what it computes there. All are built from
 * tfjs ops that have gradients on every backend, so a loaded model can be fine-tuned whatever its activation.
 */
import * as tf from '../tf';
import { gelu } from './ops';

/** `activation_function` values this GPT implements (transformers' names). */
export const ACTIVATIONS = [
  'gelu_new',
  'gelu_pytorch_tanh',
  'gelu_fast',
  'gelu_accurate',
  'gelu',
  'gelu_python',
  'gelu_10',
  'quick_gelu',
  'relu',
  'relu6',
  'leaky_relu',
  'silu',
  'swish',
  'mish',
  'tanh',
  'sigmoid',
  'linear',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export function isActivation(name: unknown): name is Activation {
  return typeof name === 'string' && (ACTIVATIONS as readonly string[]).includes(name);
}

/** GELU, exact form: x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (transformers "gelu"; PyTorch's nn.functional.gelu). */
function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/**
 * Apply an activation elementwise. The tanh-form GELUs (gelu_new, gelu_pytorch_tanh, gelu_fast, gelu_accurate) are
 * one function written four ways; gelu_10 is the exact GELU clipped to [−10, 10]; leaky_relu has slope 0.01
 * (PyTorch's default); quick_gelu is x·σ(1.702·x); mish is x·tanh(softplus(x)).
 */
export function activate(x: tf.Tensor, name: Activation): tf.Tensor {
  return tf.tidy(() => {
    switch (name) {
      case 'gelu_new':
      case 'gelu_pytorch_tanh':
      case 'gelu_fast':
      case 'gelu_accurate':
        return gelu(x);
      case 'gelu':
      case 'gelu_python':
        return geluErf(x);
      case 'gelu_10':
        return tf.clipByValue(geluErf(x), -10, 10);
      case 'quick_gelu':
        return tf.mul(x, tf.sigmoid(tf.mul(1.702, x)));
      case 'relu':
        return tf.relu(x);
      case 'relu6':
        return tf.relu6(x);
      case 'leaky_relu':
        return tf.leakyRelu(x, 0.01);
      case 'silu':
      case 'swish':
        return tf.mul(x, tf.sigmoid(x));
      case 'mish':
        return tf.mul(x, tf.tanh(tf.softplus(x)));
      case 'tanh':
        return tf.tanh(x);
      case 'sigmoid':
        return tf.sigmoid(x);
      case 'linear':
        return tf.clone(x);
    }
  });
}
