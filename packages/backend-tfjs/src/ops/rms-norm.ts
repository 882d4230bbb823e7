import * as tf from '../tf';

/**
 * Root-mean-square norm over the last axis, `x / √(mean(x²) + ε) · weight`: no mean subtracted, no
 * bias (T5's `T5LayerNorm`, Llama's `LlamaRMSNorm`). The weight takes no gradient; the gradient
 * is written out (`dx = (g − x̂ · mean(g · x̂)) / rms` with `g = dy · weight`), which saves the
 * broadcast reductions autodiff of the formula keeps.
 *
 * @param x - `[..., hidden]`.
 * @param weight - `[hidden]`.
 * @param epsilon - Added to the mean square (`layer_norm_epsilon`).
 * @returns Same shape as `x`.
 */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, epsilon: number): T {
  const normalize = tf.customGrad((input, save) => {
    const x = input as tf.Tensor;
    const inverseRms = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), epsilon));
    const normalized = tf.mul(x, inverseRms);
    (save as tf.GradSaveFunc)([normalized, inverseRms]);
    return {
      value: tf.mul(normalized, weight),
      gradFunc: (dy: tf.Tensor, [normalized, inverseRms]: tf.Tensor[]) => {
        const g = tf.mul(dy, weight);
        return tf.mul(tf.sub(g, tf.mul(normalized, tf.mean(tf.mul(g, normalized), -1, true))), inverseRms);
      },
    };
  });
  return normalize(x) as T;
}
