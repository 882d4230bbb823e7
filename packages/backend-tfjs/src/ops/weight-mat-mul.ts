import * as tf from '@tensorflow/tfjs';

/**
 * `x @ weight`, or `x @ weightᵀ` with `transposeWeight`, for a weight that takes no gradient. The
 * products are arranged so that neither the forward nor the backward pass (d x only) gives tfjs a
 * transposed matMul operand: tfjs 4.22's wasm kernel runs those 9–15× slower than plain products
 * (GPT-2-small sizes: 97 ms vs 11 ms for `dy @ Wᵀ`, 1.4 s vs 0.1 s for the LM head over 40 rows).
 *
 * @param x - `[rows, in]`.
 * @param weight - `[in, out]`, or `[out, in]` with `transposeWeight`.
 * @returns `[rows, out]`.
 */
export function weightMatMul(x: tf.Tensor2D, weight: tf.Tensor2D, transposeWeight = false): tf.Tensor2D {
  const product = tf.customGrad<tf.Tensor2D>((input) => {
    const rows = input as tf.Tensor2D;
    const value = transposeWeight ? tf.transpose(tf.matMul(weight, tf.transpose(rows))) : tf.matMul(rows, weight);
    return {
      value: value as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor2D) => (transposeWeight ? tf.matMul(dy, weight) : tf.transpose(tf.matMul(weight, tf.transpose(dy)))),
    };
  });
  return product(x);
}
