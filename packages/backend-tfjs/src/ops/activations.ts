import * as tf from '@tensorflow/tfjs';

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

// 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))) = x σ(x (linear + cubic x²)), by 1 + tanh(u) = 2σ(2u).
const linear = 2 * Math.sqrt(2 / Math.PI);
const cubic = linear * 0.044715;

/**
 * The tanh GELU written with a sigmoid, with its derivative written out: tfjs 4.22's wasm Tanh
 * is scalar code, 8× slower than its (XNNPACK) Sigmoid, and the derivative in 9 element-wise ops
 * replaces the ~20 (and ~8 saved copies) that autodiff of the formula takes.
 */
function geluTanh(x: tf.Tensor): tf.Tensor {
  const gelu = tf.customGrad((input, save) => {
    const x = input as tf.Tensor;
    const gate = tf.sigmoid(tf.mul(x, tf.add(tf.mul(tf.square(x), cubic), linear)));
    // tf.grad frees the forward pass's intermediates (and a customGrad's inputs) before the
    // backward pass, keeping only what is saved.
    (save as tf.GradSaveFunc)([x, gate]);
    return {
      value: tf.mul(x, gate),
      // d/dx x σ(z) = σ(z) (1 + x (1 − σ(z)) z'), with z' = linear + 3 cubic x².
      gradFunc: (dy: tf.Tensor, [x, gate]: tf.Tensor[]) => {
        const slope = tf.add(tf.mul(tf.square(x), 3 * cubic), linear);
        return tf.mul(dy, tf.mul(gate, tf.add(1, tf.mul(tf.mul(x, tf.sub(1, gate)), slope))));
      },
    };
  });
  return gelu(x);
}
