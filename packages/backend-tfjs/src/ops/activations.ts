import * as tf from '../tf';

/**
 * An element-wise activation as value and derivative: `evaluate` computes f(x) and the tensors
 * `derivative` needs to compute f′(x), so that the backward pass (plain or DeepLIFT's Rescale
 * fallback) reuses the forward pass's work.
 */
export interface ElementwiseActivation {
  evaluate(x: tf.Tensor): { readonly value: tf.Tensor; readonly saved: tf.Tensor[] };
  /** f′(x) from what `evaluate` saved. */
  derivative(saved: tf.Tensor[]): tf.Tensor;
}

// 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))) = x σ(x (linear + cubic x²)), by 1 + tanh(u) = 2σ(2u).
const linear = 2 * Math.sqrt(2 / Math.PI);
const cubic = linear * 0.044715;

/**
 * The tanh GELU written with a sigmoid, with its derivative written out: tfjs 4.22's wasm Tanh
 * is scalar code, 8× slower than its (XNNPACK) Sigmoid, and the derivative in 9 element-wise ops
 * replaces the ~20 (and ~8 saved copies) that autodiff of the formula takes.
 */
const geluTanh: ElementwiseActivation = {
  evaluate(x) {
    const gate = tf.sigmoid(tf.mul(x, tf.add(tf.mul(tf.square(x), cubic), linear)));
    return { value: tf.mul(x, gate), saved: [x, gate] };
  },
  // d/dx x σ(z) = σ(z) (1 + x (1 − σ(z)) z'), with z' = linear + 3 cubic x².
  derivative([x, gate]) {
    const slope = tf.add(tf.mul(tf.square(x), 3 * cubic), linear);
    return tf.mul(gate, tf.add(1, tf.mul(tf.mul(x, tf.sub(1, gate)), slope)));
  },
};

/** Exact GELU, `x Φ(x)`; f′ = Φ(x) + x φ(x). */
const geluExact: ElementwiseActivation = {
  evaluate(x) {
    const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    return { value: tf.mul(x, cdf), saved: [x, cdf] };
  },
  derivative([x, cdf]) {
    const density = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return tf.add(cdf, tf.mul(x, density));
  },
};

/** SiLU (swish), `x σ(x)`; f′ = σ(x) (1 + x (1 − σ(x))). Llama's MLP gate. */
const silu: ElementwiseActivation = {
  evaluate(x) {
    const gate = tf.sigmoid(x);
    return { value: tf.mul(x, gate), saved: [x, gate] };
  },
  derivative([x, gate]) {
    return tf.mul(gate, tf.add(1, tf.mul(x, tf.sub(1, gate))));
  },
};

/** ReLU; f′ is 0 at 0, as torch. */
const relu: ElementwiseActivation = {
  evaluate: (x) => ({ value: tf.relu(x), saved: [x] }),
  derivative: ([x]) => tf.step(x),
};

/** The {@link ElementwiseActivation}s by their HF config name (`activation_function`, `hidden_act`). */
export const elementwiseActivations: Readonly<Record<string, ElementwiseActivation>> = Object.freeze({
  /** HF `NewGELUActivation`, the tanh approximation GPT-2 was trained with. */
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu: geluExact,
  relu,
  silu,
});

/**
 * Activation functions by their HF config name. Each maps a tensor to one of the same shape and
 * differentiates with its written-out derivative (one product in the backward pass).
 */
export const activations: Readonly<Record<string, (x: tf.Tensor) => tf.Tensor>> = Object.freeze(
  Object.fromEntries(Object.entries(elementwiseActivations).map(([name, activation]) => [name, withDerivative(activation)])),
);

function withDerivative(activation: ElementwiseActivation): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((input, save) => {
    const { value, saved } = activation.evaluate(input as tf.Tensor);
    // tf.grad frees the forward pass's intermediates (and a customGrad's inputs) before the
    // backward pass, keeping only what is saved.
    (save as tf.GradSaveFunc)(saved);
    return { value, gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => tf.mul(dy, activation.derivative(kept)) };
  }) as (x: tf.Tensor) => tf.Tensor;
}
