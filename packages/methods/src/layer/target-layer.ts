import { InvalidInputError, type StepContext } from '@inseq/core';
import { refuseEncoderDecoder } from '../refuse-encoder-decoder';

/**
 * The layer a layer method attributes: `target_layer` (a Hugging Face module name such as
 * `transformer.h.3` or `transformer.h.3.mlp`) checked against `backend.layerNames()`, or, when
 * not given, the first layer the backend lists: its token embeddings (`transformer.wte` for
 * GPT-2), Inseq's default. Encoder-decoder steps are refused for now (InvalidInputError): a
 * layer there belongs to the encoder or the decoder, and the layer contract names neither.
 */
export function targetLayer(ctx: StepContext, method: string): string {
  refuseEncoderDecoder(method, ctx, 'layer attribution of encoder or decoder layers is not implemented');
  const names = ctx.backend.layerNames?.() ?? [];
  if (names.length === 0) {
    throw new InvalidInputError(`${method} needs named layers, and backend '${ctx.backend.name}' lists none.`, 'INVALID_ARGUMENT');
  }
  const requested = ctx.options.target_layer as string | undefined;
  if (requested === undefined) return names[0];
  if (!names.includes(requested)) {
    throw new InvalidInputError(
      `${method} option 'target_layer' names no layer of this model: '${requested}'. Its layers are: ${names.join(', ')}.`,
      'INVALID_ARGUMENT',
    );
  }
  return requested;
}
