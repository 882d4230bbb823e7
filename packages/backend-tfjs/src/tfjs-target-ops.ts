import type { TargetOps } from '@inseq/core';
import * as tf from './tf';

/**
 * {@link TargetOps} over tfjs tensors, so that a core `DifferentiableTarget` (probability, logit, …)
 * is built into the backend's autodiff graph. Shapes: `[batch, vocab]` in, `[batch]` out.
 */
export const tfjsTargetOps: TargetOps<tf.Tensor> = Object.freeze({
  softmax: (logits: tf.Tensor) => tf.softmax(logits),
  logSoftmax: (logits: tf.Tensor) => tf.logSoftmax(logits),
  gather,
  add: (a: tf.Tensor, b: tf.Tensor) => tf.add(a, b),
  sub: (a: tf.Tensor, b: tf.Tensor) => tf.sub(a, b),
  mul: (a: tf.Tensor, b: tf.Tensor) => tf.mul(a, b),
  exp: (x: tf.Tensor) => tf.exp(x),
  log: (x: tf.Tensor) => tf.log(x),
  neg: (x: tf.Tensor) => tf.neg(x),
  sum: (x: tf.Tensor) => tf.sum(x, -1),
  constant: (values: Float32Array, shape: readonly number[]) => tf.tensor(values, [...shape]),
});

/**
 * `x[b, ids[b]]` as a product with a one-hot mask built in JS. Not tf.gather: its gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks. Not tf.oneHot: the tfjs 4.22 wasm kernel
 * writes int32 bits into a float32 result. The product is exact (one non-zero term per row).
 */
function gather(x: tf.Tensor, ids: Int32Array): tf.Tensor {
  const [batch, vocab] = x.shape;
  const mask = new Float32Array(batch * vocab);
  for (let b = 0; b < batch; b++) mask[b * vocab + ids[b]] = 1;
  return tf.sum(tf.mul(x, tf.tensor2d(mask, [batch, vocab])), -1);
}
