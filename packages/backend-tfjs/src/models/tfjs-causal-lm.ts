import type { IntTensor, ModelConfig } from '@inseq/core';
import type * as tf from '../tf';
import type { SeededDropout } from './seeded-dropout';

/**
 * What a pass does at one named layer: the model hands it the layer's output and continues with
 * what it returns (the output itself to capture, an override to replace it, or the output plus a
 * zero tensor to differentiate with respect to it).
 */
export interface LayerTap {
  readonly name: string;
  /** `[batch, seq, hidden]` in and out. */
  apply(output: tf.Tensor3D): tf.Tensor3D;
}

/** The source of an encoder-decoder pass (right-padded, as Hugging Face tokenizers pad it). */
export interface EncoderPass {
  /** `[batch, sourceLength, hidden]` encoder token embeddings (before any embedding scale). */
  readonly inputsEmbeds: tf.Tensor3D;
  /** `[batch, sourceLength]`, 1 for tokens, 0 for padding. */
  readonly attentionMask: IntTensor;
}

/**
 * One pass of a {@link TfjsCausalLm}; the backend has checked every option against the model.
 * For an encoder-decoder model (`config.isEncoderDecoder`), `encoder` is set and the other
 * fields describe the decoder (its prefix left-padded: positions follow the mask).
 */
export interface CausalLmPass {
  /** `[batch, seq, hidden]` token embeddings. */
  readonly inputsEmbeds: tf.Tensor3D;
  /** `[batch, seq]`, 1 for real tokens, 0 for padding (left-padded). */
  readonly attentionMask: IntTensor;
  /** Logits of the last column only, or of every position. */
  readonly logitsAt: 'last' | 'all';
  readonly outputAttentions?: boolean;
  readonly outputHiddenStates?: boolean;
  readonly layer?: LayerTap;
  /** Zero the attention value vector of key `positions[b]` of row b in block `layer` (negative: none). */
  readonly zeroValues?: { readonly layer: number; readonly positions: Int32Array };
  /** Dropout on, masks from this stream; off when absent. */
  readonly dropout?: SeededDropout;
  /** Return the input of every element-wise non-linearity, in model order (DeepLIFT's reference pass). */
  readonly recordNonlinearityInputs?: boolean;
  /** DeepLIFT Rescale: the non-linearity inputs of the reference pass, as `recordNonlinearityInputs` returned them. */
  readonly rescaleReferences?: readonly tf.Tensor[];
  /** Encoder-decoder models: the source the decoder attends to. */
  readonly encoder?: EncoderPass;
}

/** Results of a {@link CausalLmPass}, all created in the caller's `tf.tidy`. */
export interface CausalLmResult {
  /** `[batch, vocab]` (`logitsAt: 'last'`) or `[batch, seq, vocab]`. */
  readonly logits: tf.Tensor;
  /** Per layer `[batch, heads, seq, seq]`. */
  readonly attentions?: tf.Tensor4D[];
  /** `numLayers + 1` tensors `[batch, seq, hidden]`, as HF `hidden_states`. */
  readonly hiddenStates?: tf.Tensor3D[];
  /** The tapped layer's output, before the tap replaced it. */
  readonly layerActivation?: tf.Tensor3D;
  readonly nonlinearityInputs?: tf.Tensor[];
  /** Encoder-decoder with `outputAttentions`: encoder self-attention per layer, `[batch, heads, src, src]`. */
  readonly encoderAttentions?: tf.Tensor4D[];
  /** Encoder-decoder with `outputAttentions`: decoder-to-encoder attention per layer, `[batch, heads, seq, src]`. */
  readonly crossAttentions?: tf.Tensor4D[];
  /** Encoder-decoder with `outputHiddenStates`: `encoderLayers + 1` tensors `[batch, src, hidden]`. */
  readonly encoderHiddenStates?: tf.Tensor3D[];
}

/**
 * A decoder-only language model written in tfjs ops, as the backend drives it. Implementations
 * own their weight tensors; `run` creates intermediates that the caller's `tf.tidy` frees.
 */
export interface TfjsCausalLm {
  readonly config: ModelConfig;
  /**
   * Token embeddings, no positions and no embedding scale: `[batch, seq]` int32 → `[batch, seq,
   * hidden]`; `side` picks an encoder-decoder model's encoder or decoder table. @defaultValue 'decoder'
   */
  embed(inputIds: tf.Tensor2D, side?: 'encoder' | 'decoder'): tf.Tensor3D;
  /** Layers a {@link LayerTap} may name (Hugging Face module names), in `named_modules()` order. */
  layerNames(): readonly string[];
  /** A forward pass, differentiable w.r.t. `inputsEmbeds` and whatever a layer tap adds. */
  run(pass: CausalLmPass): CausalLmResult;
  /** Frees the weights. */
  dispose(): void;
}
