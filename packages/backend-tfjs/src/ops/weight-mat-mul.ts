import * as tf from '@tensorflow/tfjs';

/**
 * `x @ weight`, or `x @ weightᵀ` with `transposeWeight`, for a weight that takes no gradient. The
 * products are arranged for tfjs 4.22's wasm matMul, which is fast (XNNPACK) only without
 * transposed operands, and packs its right-hand operand once per tensor: a transposed operand
 * runs 9–15× slower (GPT-2-small sizes: 97 ms vs 11 ms for `dy @ Wᵀ`), and so does a weight
 * transposed afresh on every call (a transpose plus a repack; 15 ms vs 2 ms for 24 rows through a
 * 2048×512 weight). See {@link timesTransposed} for how `@ Wᵀ` is done instead.
 *
 * @param x - `[rows, in]`.
 * @param weight - `[in, out]`, or `[out, in]` with `transposeWeight`.
 * @returns `[rows, out]`.
 */
export function weightMatMul(x: tf.Tensor2D, weight: tf.Tensor2D, transposeWeight = false): tf.Tensor2D {
  const product = tf.customGrad<tf.Tensor2D>((input) => {
    const rows = input as tf.Tensor2D;
    return {
      value: transposeWeight ? timesTransposed(rows, weight) : tf.matMul<tf.Tensor2D>(rows, weight),
      gradFunc: (dy: tf.Tensor2D) => (transposeWeight ? tf.matMul(dy, weight) : timesTransposed(dy, weight)),
    };
  });
  return product(x);
}

/**
 * `a @ weightᵀ` (`[rows, k]` by `[n, k]`) without a transposed matMul operand, transposing
 * whichever side is smaller: the activations, as `(weight @ aᵀ)ᵀ` (`rows · (k + n)` moved), or
 * the weight (`n · k` moved, and repacked by XNNPACK). The first wins for short inputs (24 rows
 * through 2048×512: 2 ms vs 15 ms); the second by ~10% from about 600 rows.
 */
function timesTransposed(a: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D {
  const [rows, k] = a.shape;
  const n = weight.shape[0];
  return rows * (k + n) < n * k ? tf.transpose(tf.matMul<tf.Tensor2D>(weight, tf.transpose(a))) : tf.matMul<tf.Tensor2D>(a, tf.transpose(weight));
}
