import * as tf from '../tf';

/**
 * LayerNorm over the last axis with the biased variance, as `torch.nn.LayerNorm`. The weight and
 * bias take no gradient (only `x` does), and the gradient is written out, as torch's kernel
 * does: autodiff of the formula takes ~20 element-wise ops and broadcast reductions and saves a
 * copy of most of their inputs (tfjs' wasm Identity copies), 6× the forward pass's time.
 *
 * @param x - `[..., hidden]`.
 * @param weight - `[hidden]`.
 * @param bias - `[hidden]`.
 * @param epsilon - Added to the variance (`layer_norm_epsilon`).
 * @returns Same shape as `x`.
 */
export function layerNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, bias: tf.Tensor1D, epsilon: number): T {
  const normalize = tf.customGrad((input, save) => {
    const x = input as tf.Tensor;
    const centered = tf.sub(x, tf.mean(x, -1, true));
    const inverseStd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), epsilon));
    const normalized = tf.mul(centered, inverseStd);
    (save as tf.GradSaveFunc)([normalized, inverseStd]);
    return {
      value: tf.add(tf.mul(normalized, weight), bias),
      // With g = dy · weight and x̂ the normalized x: dx = (g − mean(g) − x̂ · mean(g · x̂)) / σ.
      gradFunc: (dy: tf.Tensor, [normalized, inverseStd]: tf.Tensor[]) => {
        const g = tf.mul(dy, weight);
        const projection = tf.mul(normalized, tf.mean(tf.mul(g, normalized), -1, true));
        return tf.mul(tf.sub(tf.sub(g, tf.mean(g, -1, true)), projection), inverseStd);
      },
    };
  });
  return normalize(x) as T;
}
