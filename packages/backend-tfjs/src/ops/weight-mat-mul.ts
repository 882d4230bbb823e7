import * as tf from '../tf';

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
      gradFunc: (dy: tf.Tensor2D) => (transposeWeight ? timesWeight(dy, weight) : timesTransposed(dy, weight)),
    };
  });
  return product(x);
}

/**
 * Weights above this many bytes are multiplied as a transposed left operand in the backward pass
 * of `x @ weightᵀ` (`(weightᵀ @ dyᵀ)ᵀ`): tfjs-wasm's naive kernel, which packs nothing, instead of
 * XNNPACK, which would keep a packed copy of the whole matrix for as long as it lives (545 MiB for
 * Qwen2.5-0.5B's tied embedding, what pushed a 0.5 B model's gradients past tfjs-wasm's 4 GiB).
 * Measured on that matrix (151936 × 896), one row: 0.19 s each call, against 1.8 s for the first
 * XNNPACK call (the packing) and 0.02 s after; blocks of rows through XNNPACK took 17 s (slicing).
 * Smaller weights keep the cached packing.
 */
export const UNPACKED_WEIGHT_BYTES = 256 * 2 ** 20;

/** `dy @ weight` (`[rows, n]` by `[n, k]`): XNNPACK, or for a large weight the naive kernel (see {@link UNPACKED_WEIGHT_BYTES}). */
function timesWeight(dy: tf.Tensor2D, weight: tf.Tensor2D, unpackedFromBytes = UNPACKED_WEIGHT_BYTES): tf.Tensor2D {
  const [n, k] = weight.shape;
  if (n * k * 4 <= unpackedFromBytes) return tf.matMul(dy, weight);
  return tf.tidy(() => tf.transpose(tf.matMul<tf.Tensor2D>(weight, tf.transpose(dy), true, false)));
}

/** For tests: the backward product of {@link weightMatMul} with `transposeWeight`, with a chosen size where packing stops. */
export const backwardTimesWeight = timesWeight;

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
