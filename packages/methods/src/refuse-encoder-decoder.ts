import { InvalidInputError, type ModelBackend, type StepContext } from '@inseq/core';

/**
 * Refuses an encoder-decoder step (or sequence batch) for a method that attributes decoder-only
 * models only so far, naming the methods that do attribute a source.
 */
export function refuseEncoderDecoder(method: string, ctx: StepContext | { readonly backend: ModelBackend }, why: string): void {
  const encoderDecoder = ('encoder' in ctx && ctx.encoder !== undefined) || ctx.backend.config.isEncoderDecoder;
  if (!encoderDecoder) return;
  throw new InvalidInputError(
    `${method} does not support encoder-decoder models yet (${why}). For '${ctx.backend.name}' use one of: saliency, ` +
      'input_x_gradient, integrated_gradients, deeplift, gradient_shap, sequential_integrated_gradients, ' +
      'discretized_integrated_gradients, attention, occlusion, lime, reagent.',
    'INVALID_ARGUMENT',
  );
}
