import * as tf from '../tf';

/**
 * `op(a[g]) @ op(b[g])` for every `g`, `op` transposing the last two axes where asked, like
 * `tf.matMul` on rank-3 tensors. tfjs 4.22's wasm BatchMatMul hands any batch of products to a
 * scalar triple loop (XNNPACK only takes a single product), so the products run instead as one
 * depthwise convolution, which XNNPACK runs as a grouped GEMM, 2.5–3× faster with the transposes
 * that lay the operands out (attention of 50 × 8 heads × 24 tokens: 14–16 ms → 5–6 ms per
 * product). The gradient is written with the same products. Other backends get `tf.matMul`: on
 * cpu the convolution is the slower of the two (2.5× for the shapes above).
 *
 * @param a - `[groups, m, k]`, or `[groups, k, m]` with `transposeA`.
 * @param b - `[groups, k, n]`, or `[groups, n, k]` with `transposeB`.
 * @returns `[groups, m, n]`.
 */
export function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  const product = tf.customGrad<tf.Tensor3D>((left, right, save) => {
    const [a, b] = [left as tf.Tensor3D, right as tf.Tensor3D];
    (save as tf.GradSaveFunc)([a, b]);
    return {
      value: groupedProduct(a, b, transposeA, transposeB),
      // As tfjs' BatchMatMul gradient, one pair of products per transpose combination.
      gradFunc: (dy: tf.Tensor3D, [a, b]: tf.Tensor[]) => {
        const [a3, b3] = [a as tf.Tensor3D, b as tf.Tensor3D];
        if (!transposeA && !transposeB) return [groupedProduct(dy, b3, false, true), groupedProduct(a3, dy, true, false)];
        if (!transposeA) return [groupedProduct(dy, b3, false, false), groupedProduct(dy, a3, true, false)];
        if (!transposeB) return [groupedProduct(b3, dy, false, true), groupedProduct(a3, dy, false, false)];
        return [groupedProduct(b3, dy, true, true), groupedProduct(dy, a3, true, true)];
      },
    };
  });
  return product(a, b);
}

/**
 * The products as `depthwiseConv2d` of an input `[1, m · k, 1, groups]` (row `i` of group `g`
 * laid along the height, one channel per group) with a filter `[k, 1, groups, n]` at stride `k`:
 * each output position reads exactly one row and sums over `k` against its group's `[k, n]` block.
 */
function groupedProduct(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  const [groups, m, k] = transposeA ? [a.shape[0], a.shape[2], a.shape[1]] : a.shape;
  const n = transposeB ? b.shape[1] : b.shape[2];
  const input = tf.reshape<tf.Rank.R4>(tf.transpose(a, transposeA ? [2, 1, 0] : [1, 2, 0]), [1, m * k, 1, groups]);
  const filter = tf.reshape<tf.Rank.R4>(tf.transpose(b, transposeB ? [2, 0, 1] : [1, 0, 2]), [k, 1, groups, n]);
  const out = tf.depthwiseConv2d(input, filter, [k, 1], 'valid');
  return tf.transpose(tf.reshape<tf.Rank.R3>(out, [m, groups, n]), [1, 0, 2]);
}
