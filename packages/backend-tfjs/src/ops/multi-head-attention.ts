import * as tf from '../tf';
import { batchedMatMul } from './batched-mat-mul';

/** Inputs of {@link multiHeadAttention}: projected queries, keys and values, heads side by side. */
export interface MultiHeadAttentionInputs {
  /** `[batch, queries, heads · headDim]`. */
  readonly query: tf.Tensor3D;
  /** `[batch, keys, heads · headDim]`. */
  readonly key: tf.Tensor3D;
  /** `[batch, keys, heads · headDim]`. */
  readonly value: tf.Tensor3D;
  readonly heads: number;
  /** Multiplies `q · k` (`headDim^-0.5` for BART; 1 for T5). */
  readonly scale: number;
  /** Added to the scaled scores, broadcast to `[batch, heads, queries, keys]` (masks, T5's position bias). */
  readonly bias: tf.Tensor4D;
  /** Applied to the softmax weights before they mix the values (attention dropout). */
  readonly dropout?: (probabilities: tf.Tensor4D) => tf.Tensor4D;
}

/**
 * Softmax attention of several heads, as HF's eager attention (`view(batch, len, heads,
 * headDim)` per projection): `softmax(scale · q kᵀ + bias) v`, heads merged back.
 *
 * @returns `context` `[batch, queries, heads · headDim]` (before the output projection) and the
 * softmax weights `probabilities` `[batch, heads, queries, keys]` (before dropout).
 */
export function multiHeadAttention(inputs: MultiHeadAttentionInputs): { context: tf.Tensor3D; probabilities: tf.Tensor4D } {
  const { query, key, value, heads } = inputs;
  const [batch, queries, width] = query.shape;
  const keys = key.shape[1];
  const headDim = width / heads;
  const groups = batch * heads;
  const split = (t: tf.Tensor3D, length: number) =>
    tf.reshape<tf.Rank.R3>(tf.transpose(tf.reshape(t, [batch, length, heads, headDim]), [0, 2, 1, 3]), [groups, length, headDim]);
  let scores = tf.reshape(batchedMatMul(split(query, queries), split(key, keys), false, true), [batch, heads, queries, keys]) as tf.Tensor4D;
  if (inputs.scale !== 1) scores = tf.mul(scores, inputs.scale);
  const probabilities = tf.softmax(tf.add(scores, inputs.bias)) as tf.Tensor4D;
  const mixing = inputs.dropout ? inputs.dropout(probabilities) : probabilities;
  const weighted = batchedMatMul(tf.reshape<tf.Rank.R3>(mixing, [groups, queries, keys]), split(value, keys));
  const context = tf.reshape<tf.Rank.R3>(tf.transpose(tf.reshape(weighted, [batch, heads, queries, headDim]), [0, 2, 1, 3]), [batch, queries, width]);
  return { context, probabilities };
}
