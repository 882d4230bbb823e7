/** Inputs of the encoder-decoder references: `[batch][seq]` ids and 0/1 masks. */
export interface EncoderDecoderInputs {
  /** `[batch][encoderSeq]` source ids. */
  encoderIds: readonly (readonly number[])[];
  /** `[batch][encoderSeq]`: 1 for tokens, 0 for padding (left or right). */
  encoderMask: readonly (readonly number[])[];
  /** `[batch][decoderSeq]` target ids, starting with `decoder_start_token_id`. */
  decoderIds: readonly (readonly number[])[];
  /** `[batch][decoderSeq]`: 1 for tokens, 0 for padding. */
  decoderMask: readonly (readonly number[])[];
}

/** Options of {@link referenceEncoderDecoderForward}. */
export interface ReferenceEncoderDecoderOptions {
  /** Return every layer's attention weights. @defaultValue false */
  outputAttentions?: boolean;
  /** `[batch][encoderSeq][dModel]`, replacing the token lookup as HF's `inputs_embeds` (so already scaled by `embed_scale`). */
  encoderInputsEmbeds?: readonly (readonly (readonly number[])[])[];
  /**
   * `[batch][decoderSeq][dModel]`, replacing the token lookup as HF's `decoder_inputs_embeds`:
   * already scaled for BART; Marian's decoder scales it by `embed_scale` again, as HF's does.
   */
  decoderInputsEmbeds?: readonly (readonly (readonly number[])[])[];
}

/** What {@link referenceEncoderDecoderForward} returns. */
export interface ReferenceEncoderDecoderOutput {
  /** `[batch, decoderSeq, vocab]` decoder logits at every position. */
  logits: Float64Array;
  /** `[batch, encoderSeq, dModel]` encoder output (after T5's final norm). */
  encoderHiddenState: Float64Array;
  /** Per encoder layer `[batch, heads, encoderSeq, encoderSeq]`, when asked. */
  encoderAttentions?: Float64Array[];
  /** Per decoder layer `[batch, heads, decoderSeq, decoderSeq]` (causal), when asked. */
  decoderAttentions?: Float64Array[];
  /** Per decoder layer `[batch, heads, decoderSeq, encoderSeq]`, when asked. */
  crossAttentions?: Float64Array[];
}
