import { InseqError, type StepContext, type Tensor } from '@inseq/core';

/** Attention weights of an encoder-decoder step, per layer (rows are queries). */
export interface EncoderDecoderAttentions {
  /** Decoder self-attention, `[batch, heads, length, length]`. */
  readonly decoder: Tensor[];
  /** Decoder-to-encoder attention, `[batch, heads, length, sourceLength]`. */
  readonly cross: Tensor[];
  /** Encoder self-attention, `[batch, heads, sourceLength, sourceLength]` (only checked when `withEncoder`). */
  readonly encoder: Tensor[];
}

const describe = (tensors: readonly Tensor[] | undefined) => (tensors?.length ? tensors.map((a) => `[${a.shape.join(', ')}]`).join(', ') : 'none');

/**
 * One forward pass of an encoder-decoder step (`ctx.encoder` set) with `outputAttentions`: the
 * decoder's self-attention and cross-attention (and, with `withEncoder`, the encoder's
 * self-attention), each checked for one tensor per layer of the expected shape.
 */
export async function encoderDecoderAttentions(ctx: StepContext, method: string, withEncoder = false): Promise<EncoderDecoderAttentions> {
  const encoder = ctx.encoder!;
  const output = await ctx.backend.forward({
    inputIds: ctx.inputIds,
    attentionMask: ctx.attentionMask,
    encoder: { inputIds: encoder.inputIds, attentionMask: encoder.attentionMask },
    outputAttentions: true,
  });
  const [batch, length] = ctx.inputIds.shape;
  const sourceLength = encoder.inputIds.shape[1];
  // Encoder and decoder stacks may differ in depth (BART's encoder_layers / decoder_layers, T5's
  // num_decoder_layers), so counts are checked against each other, not config.numLayers.
  const check = (name: string, tensors: Tensor[] | undefined, queries: number, keys: number, layers?: number): Tensor[] => {
    const ok =
      tensors !== undefined &&
      tensors.length > 0 &&
      (layers === undefined || tensors.length === layers) &&
      tensors.every((a) => a.shape.length === 4 && a.shape[0] === batch && a.shape[2] === queries && a.shape[3] === keys);
    if (!tensors || !ok) {
      throw new InseqError(
        `${method} needs ${layers ?? 'per-layer'} ${name} tensors [${batch}, heads, ${queries}, ${keys}] from backend '${ctx.backend.name}', got ${describe(tensors)}.`, { code: 'BACKEND_FAILURE' },
      );
    }
    return tensors;
  };
  const decoder = check('decoder self-attention', output.attentions, length, length);
  return {
    decoder,
    cross: check('cross-attention', output.crossAttentions, length, sourceLength, decoder.length),
    encoder: withEncoder ? check('encoder self-attention', output.encoderAttentions, sourceLength, sourceLength) : [],
  };
}
