import { InvalidInputError, type StepContext } from '@inseq/core';

/** A layer of one stack: its Hugging Face module name and whether the encoder or the decoder computes it. */
export interface TargetLayer {
  readonly name: string;
  /** `'encoder'`: its output spans the source, `[batch, sourceLength, hidden]`; `'decoder'`: the target prefix. */
  readonly stack: 'encoder' | 'decoder';
}

/** The stack of an encoder-decoder layer name: the one its dotted parts name (`model.encoder.layers.0`, `decoder.block.1`). */
function stackOf(name: string): 'encoder' | 'decoder' | undefined {
  const parts = name.split('.');
  if (parts.includes('encoder')) return 'encoder';
  if (parts.includes('decoder')) return 'decoder';
  return undefined;
}

/**
 * The layer a layer method attributes: `target_layer` (a Hugging Face module name such as
 * `transformer.h.3`, `model.encoder.layers.0` or `decoder.block.1.layer.0`) checked against
 * `backend.layerNames()`. When not given: for a decoder-only model the first layer the backend
 * lists, its token embeddings (`transformer.wte` for GPT-2), Inseq's default; for an
 * encoder-decoder model `undefined`, meaning the token embeddings of **both** stacks, as Inseq's
 * default (`get_embedding_layer`, which the encoder and the decoder both call) — their outputs
 * are the step's input embeddings of each side, so the caller attributes those instead.
 */
export function targetLayer(ctx: StepContext & { readonly options: { readonly target_layer?: string } }, method: string): TargetLayer | undefined {
  const names = ctx.backend.layerNames?.() ?? [];
  if (names.length === 0) {
    throw new InvalidInputError(`${method} needs named layers, and backend '${ctx.backend.name}' lists none.`, { code: 'INVALID_ARGUMENT' });
  }
  const requested = ctx.options.target_layer;
  const encoderDecoder = ctx.encoder !== undefined;
  if (requested === undefined) return encoderDecoder ? undefined : { name: names[0], stack: 'decoder' };
  if (!names.includes(requested)) {
    throw new InvalidInputError(
      `${method} option 'target_layer' names no layer of this model: '${requested}'. Its layers are: ${names.join(', ')}.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  if (!encoderDecoder) return { name: requested, stack: 'decoder' };
  const stack = stackOf(requested);
  if (!stack) {
    throw new InvalidInputError(
      `${method} option 'target_layer' is '${requested}', which belongs to neither the encoder nor the decoder; ` +
        'name a layer under one of them, or leave target_layer out to attribute the embeddings of both.', { code: 'INVALID_ARGUMENT' },
    );
  }
  return { name: requested, stack };
}
