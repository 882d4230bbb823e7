import * as tf from '@tensorflow/tfjs';

/**
 * LayerNorm over the last axis with the biased variance, as `torch.nn.LayerNorm`.
 *
 * @param x - `[..., hidden]`.
 * @param weight - `[hidden]`.
 * @param bias - `[hidden]`.
 * @param epsilon - Added to the variance (`layer_norm_epsilon`).
 * @returns Same shape as `x`.
 */
export function layerNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, bias: tf.Tensor1D, epsilon: number): T {
  const centered = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon))), weight), bias) as T;
}
