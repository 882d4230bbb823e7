import * as tf from '../tf';
import { weightMatMul } from './weight-mat-mul';

/**
 * HF's GPT-2 `Conv1D`: a dense layer stored as `[in, out]` (transposed from `nn.Linear`), so
 * `y = x @ W + b`. The weight takes no gradient (only inputs do).
 *
 * @param x - `[batch, seq, in]`.
 * @param weight - `[in, out]`.
 * @param bias - `[out]`.
 * @returns `[batch, seq, out]`.
 */
export function conv1d(x: tf.Tensor3D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  const [batch, seq, inSize] = x.shape;
  const flat = weightMatMul(tf.reshape(x, [batch * seq, inSize]), weight);
  return tf.reshape(tf.add(flat, bias), [batch, seq, weight.shape[1]]);
}
