import * as tf from '../../../tf';
import { batchedMatMul } from '../../../ops/batched-mat-mul';
import { conv1d } from '../../../ops/conv1d';
import type { SeededDropout } from '../../seeded-dropout';
import type { Gpt2Settings } from './gpt2-settings';
import type { Gpt2LayerWeights } from './load-gpt2-weights';

/** What one block's attention needs besides its input and weights. */
export interface Gpt2AttentionContext {
  readonly numHeads: number;
  readonly settings: Gpt2Settings;
  /** Block index (for `scale_attn_by_inverse_layer_idx`). */
  readonly index: number;
  /** Additive causal + padding bias, `[batch, 1, seq, seq]`. */
  readonly bias: tf.Tensor4D;
  /** 0 at the key whose value vector is zeroed, 1 elsewhere: `[batch, seq, 1]`. */
  readonly valueMask?: tf.Tensor3D;
  readonly dropout?: SeededDropout;
}

/**
 * HF `GPT2Attention` (eager, no cache): fused q/k/v projection, scaled dot products plus the
 * causal bias, softmax, attention dropout, weighted values, `c_proj` and residual dropout.
 *
 * @param x - `[batch, seq, hidden]`, the output of `ln_1`.
 * @returns `output` `[batch, seq, hidden]` (before the residual add) and the weights
 * `probabilities` `[batch, heads, seq, seq]` as HF returns them (after dropout).
 */
export function gpt2Attention(
  x: tf.Tensor3D,
  layer: Gpt2LayerWeights,
  context: Gpt2AttentionContext,
): { output: tf.Tensor3D; probabilities: tf.Tensor4D } {
  const [batch, seq, hidden] = x.shape;
  const { numHeads, settings, dropout } = context;
  const headSize = hidden / numHeads;
  const groups = batch * numHeads;
  const qkv = conv1d(x, layer.qkvWeight, layer.qkvBias);
  // [batch, seq, hidden] → [batch · heads, seq, headSize]
  const heads = (t: tf.Tensor3D) =>
    tf.reshape<tf.Rank.R3>(tf.transpose(tf.reshape(t, [batch, seq, numHeads, headSize]), [0, 2, 1, 3]), [groups, seq, headSize]);
  const [query, key, projected] = tf.split(qkv, 3, 2) as tf.Tensor3D[];
  // Value zeroing acts on the projected value (bias included), as Inseq's hook on HF's `value`.
  const value: tf.Tensor3D = context.valueMask ? tf.mul(projected, context.valueMask) : projected;
  let scale = settings.scaleAttentionWeights ? 1 / Math.sqrt(headSize) : 1;
  if (settings.scaleAttentionByInverseLayerIndex) scale /= context.index + 1;
  const scores = tf.reshape(batchedMatMul(heads(query), heads(key), false, true), [batch, numHeads, seq, seq]);
  let probabilities = tf.softmax(tf.add(tf.mul(scores, scale), context.bias)) as tf.Tensor4D;
  if (dropout) probabilities = dropout.apply(probabilities, settings.attentionDropout);
  const weighted = batchedMatMul(tf.reshape<tf.Rank.R3>(probabilities, [groups, seq, seq]), heads(value));
  const merged = tf.reshape(tf.transpose(tf.reshape(weighted, [batch, numHeads, seq, headSize]), [0, 2, 1, 3]), [batch, seq, hidden]) as tf.Tensor3D;
  let output = conv1d(merged, layer.attentionProjectionWeight, layer.attentionProjectionBias);
  if (dropout) output = dropout.apply(output, settings.residualDropout);
  return { output, probabilities };
}
