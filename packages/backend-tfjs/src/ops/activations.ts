import * as tf from '@tensorflow/tfjs';

const sqrtTwoOverPi = Math.sqrt(2 / Math.PI);

/**
 * Activation functions by their HF config name (`activation_function`, `hidden_act`). Each maps
 * a tensor to one of the same shape and is differentiable with the kernels of every tfjs backend.
 */
export const activations: Readonly<Record<string, (x: tf.Tensor) => tf.Tensor>> = Object.freeze({
  /** HF `NewGELUActivation`, the tanh approximation GPT-2 was trained with. */
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  /** Exact GELU, `x Φ(x)`. */
  gelu: (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
  relu: (x: tf.Tensor) => tf.relu(x),
});

function geluTanh(x: tf.Tensor): tf.Tensor {
  const cube = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), sqrtTwoOverPi);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}
