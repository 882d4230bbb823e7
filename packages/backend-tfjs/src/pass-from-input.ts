import type { ForwardInput, Tensor } from '@inseq/core';
import * as tf from './tf';
import { seededDropout } from './models/seeded-dropout';
import type { CausalLmPass, LayerTap, TfjsCausalLm } from './models/tfjs-causal-lm';

/**
 * The {@link CausalLmPass} of a checked forward input: its embeddings (or the token lookup), the
 * options as given (a fresh dropout stream from `dropoutSeed`, so equal seeds repeat), and `tap`
 * on `input.layer` when given. Call inside `tf.tidy`.
 *
 * @param inputsEmbeds - Overrides `input.inputsEmbeds` (DeepLIFT's reference pass); `encoderEmbeds` likewise for the source.
 */
export function passFromInput(
  model: TfjsCausalLm,
  input: ForwardInput,
  options: { readonly tap?: LayerTap; readonly inputsEmbeds?: Tensor; readonly encoderEmbeds?: Tensor } = {},
): CausalLmPass {
  const embeds = options.inputsEmbeds ?? input.inputsEmbeds;
  return {
    inputsEmbeds: embeds ? tensor3d(embeds) : model.embed(idsTensor(input), 'decoder'),
    attentionMask: input.attentionMask,
    logitsAt: input.logitsAt ?? 'last',
    outputAttentions: input.outputAttentions === true,
    outputHiddenStates: input.outputHiddenStates === true,
    layer: options.tap,
    zeroValues: input.zeroValues && { layer: input.zeroValues.layer, positions: Int32Array.from(input.zeroValues.positions) },
    dropout: input.dropoutSeed === undefined ? undefined : seededDropout(input.dropoutSeed),
    ...(input.encoder && {
      encoder: {
        inputsEmbeds: (options.encoderEmbeds ?? input.encoder.inputsEmbeds)
          ? tensor3d((options.encoderEmbeds ?? input.encoder.inputsEmbeds)!)
          : model.embed(tf.tensor2d(input.encoder.inputIds.data, [input.encoder.inputIds.shape[0], input.encoder.inputIds.shape[1]], 'int32'), 'encoder'),
        attentionMask: input.encoder.attentionMask,
      },
    }),
  };
}

/** A plain `[batch, seq, hidden]` tensor in tfjs. */
export function tensor3d(tensor: Tensor): tf.Tensor3D {
  return tf.tensor3d(tensor.data, [...tensor.shape] as [number, number, number], 'float32');
}

function idsTensor(input: ForwardInput): tf.Tensor2D {
  const ids = input.inputIds;
  return tf.tensor2d(ids.data, [ids.shape[0], ids.shape[1]], 'int32');
}
