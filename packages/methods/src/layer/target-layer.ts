import { InvalidInputError, type StepContext } from '@inseq/core';

/**
 * The layer a layer method attributes: `target_layer` (a Hugging Face module name such as
 * `transformer.h.3` or `transformer.h.3.mlp`) checked against `backend.layerNames()`, or, when
 * not given, the first layer the backend lists: its token embeddings (`transformer.wte` for
 * GPT-2), Inseq's default.
 */
export function targetLayer(ctx: StepContext, method: string): string {
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
