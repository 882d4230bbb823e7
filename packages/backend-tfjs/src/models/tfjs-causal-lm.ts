import type { IntTensor, ModelConfig } from '@inseq/core';
import type * as tf from '@tensorflow/tfjs';

/**
 * A decoder-only language model written in tfjs ops, as the backend drives it. Implementations
 * own their weight tensors; the methods create intermediates that the caller's `tf.tidy` frees.
 */
export interface TfjsCausalLm {
  readonly config: ModelConfig;
  /** Token embeddings, no positions: `[batch, seq]` int32 → `[batch, seq, hidden]`. */
  embed(inputIds: tf.Tensor2D): tf.Tensor3D;
  /**
   * Next-token logits at the last position of a left-padded batch, differentiable w.r.t.
   * `inputsEmbeds`.
   *
   * @param inputsEmbeds - `[batch, seq, hidden]` token embeddings.
   * @param attentionMask - `[batch, seq]`, 1 for real tokens, 0 for padding.
   * @returns `[batch, vocab]`.
   */
  lastLogits(inputsEmbeds: tf.Tensor3D, attentionMask: IntTensor): tf.Tensor2D;
  /** Frees the weights. */
  dispose(): void;
}
