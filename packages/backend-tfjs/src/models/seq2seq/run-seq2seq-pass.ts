import { InvalidInputError } from '@inseq/core';
import * as tf from '../../tf';
import { causalAttentionBias } from '../causal-attention-bias';
import type { CausalLmPass, CausalLmResult } from '../tfjs-causal-lm';
import { keyPaddingBias, lastColumn, type Seq2SeqPassTools, seq2seqPassTools } from './seq2seq-pass-tools';

/** What one stack's run reads besides its input embeddings. */
export interface Seq2SeqStackContext {
  readonly tools: Seq2SeqPassTools;
  readonly pass: CausalLmPass;
  /**
   * `[batch, 1, q, k]` self-attention bias: key padding in the encoder, key padding and causality
   * in the decoder (a family adds its own position bias to it, e.g. T5's relative buckets).
   */
  readonly selfBias: tf.Tensor4D;
  /** Decoder: the encoder output and its `[batch, 1, 1, src]` padding bias. */
  readonly memory?: { readonly states: tf.Tensor3D; readonly bias: tf.Tensor4D };
  /** Self-attention probabilities per layer, when the pass asks for attentions. */
  readonly attentions?: tf.Tensor4D[];
  /** Decoder: cross-attention probabilities per layer, when the pass asks for attentions. */
  readonly crossAttentions?: tf.Tensor4D[];
  /** Embedding output then each layer's output, when the pass asks for hidden states. */
  readonly hiddenStates?: tf.Tensor3D[];
}

/** What an encoder-decoder family brings to {@link runSeq2SeqPass}. */
export interface Seq2SeqFamily {
  /** config.json `model_type`, for error messages. */
  readonly modelType: string;
  /** One stack (embeddings, positions, layers, final norm) over `embeds`, `[batch, len, hidden]` → `[batch, len, hidden]`. */
  runStack(side: 'encoder' | 'decoder', embeds: tf.Tensor3D, context: Seq2SeqStackContext): tf.Tensor3D;
  /** Decoder output rows `[rows, hidden]` → logits `[rows, vocab]` (LM head, bias or output scaling). */
  project(rows: tf.Tensor2D): tf.Tensor2D;
}

/**
 * The encoder-decoder pass every seq2seq family shares: the encoder stack over the source (its
 * key-padding bias), then the decoder stack over the left-padded prefix (causal bias, cross-attention
 * to the encoder output), then the logits of the last column or of every position. Collects HF's
 * `encoder_attentions`, `decoder_attentions` (as `attentions`), `cross_attentions` and both stacks'
 * hidden states when asked, and returns the tapped layer and the recorded non-linearity inputs.
 *
 * @throws {@link InvalidInputError} `'INVALID_ARGUMENT'` for a pass without `encoder`.
 */
export function runSeq2SeqPass(family: Seq2SeqFamily, pass: CausalLmPass): CausalLmResult {
  const source = pass.encoder;
  if (!source) {
    throw new InvalidInputError(`The ${family.modelType} model is an encoder-decoder: a pass needs encoder (the source embeddings and mask).`, { code: 'INVALID_ARGUMENT' });
  }
  const tools = seq2seqPassTools(pass);
  const [batch, seq] = pass.inputsEmbeds.shape;
  const sourceBias = keyPaddingBias(source.attentionMask);
  const encoderAttentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
  const encoderHiddenStates: tf.Tensor3D[] | undefined = pass.outputHiddenStates ? [] : undefined;
  const encoded = family.runStack('encoder', source.inputsEmbeds, {
    tools,
    pass,
    selfBias: sourceBias,
    attentions: encoderAttentions,
    hiddenStates: encoderHiddenStates,
  });

  const attentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
  const crossAttentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
  const hiddenStates: tf.Tensor3D[] | undefined = pass.outputHiddenStates ? [] : undefined;
  const decoded = family.runStack('decoder', pass.inputsEmbeds, {
    tools,
    pass,
    selfBias: tf.tensor4d(causalAttentionBias(pass.attentionMask), [batch, 1, seq, seq]),
    memory: { states: encoded, bias: sourceBias },
    attentions,
    crossAttentions,
    hiddenStates,
  });
  const hidden = decoded.shape[2];
  const logits =
    pass.logitsAt === 'all'
      ? tf.reshape(family.project(tf.reshape(decoded, [batch * seq, hidden])), [batch, seq, -1])
      : family.project(lastColumn(decoded));
  return {
    logits,
    attentions,
    hiddenStates,
    layerActivation: tools.layerActivation(),
    nonlinearityInputs: tools.nonlinearityInputs,
    encoderAttentions,
    crossAttentions,
    encoderHiddenStates,
  };
}
