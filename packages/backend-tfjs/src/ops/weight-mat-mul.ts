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
      gradFunc: (dy: tf.Tensor2D) => (transposeWeight ? timesWeight(dy, weight) : timesTransposed(dy, weight)),
    };
  });
  return product(x);
}

/**
 * Weights above this many bytes are multiplied in row blocks of {@link WEIGHT_BLOCK_ROWS} in the
 * backward pass of `x @ weightᵀ`: XNNPACK would otherwise keep a packed copy of the whole matrix
 * for as long as it lives (545 MiB for Qwen2.5-0.5B's tied embedding), which is what pushes a 0.5 B
 * model's gradients past tfjs-wasm's 4 GiB. A block's slice and its packed copy are freed once used.
 * Smaller weights keep the cached packing: re-packing blocks on every call costs time.
 */
export const BLOCKED_WEIGHT_BYTES = 256 * 2 ** 20;
/** Rows of the weight per block (see {@link BLOCKED_WEIGHT_BYTES}). */
export const WEIGHT_BLOCK_ROWS = 16384;

/** `dy @ weight` (`[rows, n]` by `[n, k]`): one matMul, or blocks of weight rows for a large weight. */
function timesWeight(dy: tf.Tensor2D, weight: tf.Tensor2D, blockRows = WEIGHT_BLOCK_ROWS, blockedFromBytes = BLOCKED_WEIGHT_BYTES): tf.Tensor2D {
  const [n, k] = weight.shape;
  if (n * k * 4 <= blockedFromBytes || n <= blockRows) return tf.matMul(dy, weight);
  let sum: tf.Tensor2D | undefined;
  for (let start = 0; start < n; start += blockRows) {
    const size = Math.min(blockRows, n - start);
    const part = tf.tidy(() => tf.matMul<tf.Tensor2D>(tf.slice(dy, [0, start], [-1, size]), tf.slice(weight, [start, 0], [size, -1])));
    if (!sum) {
      sum = part;
      continue;
    }
    const next = tf.add<tf.Tensor2D>(sum, part);
    sum.dispose();
    part.dispose();
    sum = next;
  }
  return sum as tf.Tensor2D;
}

/** For tests: the backward product of {@link weightMatMul} with `transposeWeight`, with a chosen block size. */
export const blockedTimesWeight = timesWeight;

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
