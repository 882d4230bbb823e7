import * as tf from '../tf';
import { weightMatMul } from './weight-mat-mul';

/**
 * `x @ W (+ b)` over the last axis, as `nn.Linear` with its weight stored transposed once to
 * `[in, out]`; the weight takes no gradient (only `x` does).
 *
 * @param x - `[batch, seq, in]`.
 * @param weight - `[in, out]`.
 * @param bias - `[out]`, or none.
 * @returns `[batch, seq, out]`.
 */
export function dense(x: tf.Tensor3D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor3D {
  const [batch, seq, inSize] = x.shape;
  let flat = weightMatMul(tf.reshape(x, [batch * seq, inSize]), weight);
  if (bias) flat = tf.add(flat, bias);
  return tf.reshape(flat, [batch, seq, weight.shape[1]]);
}
