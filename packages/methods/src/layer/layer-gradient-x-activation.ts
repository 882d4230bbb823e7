import { defineMethod, parseOptions, requireTarget } from '@inseq/core';
import { targetLayer } from './target-layer';

const options = {
  target_layer: { type: 'string' },
  multiply_by_inputs: { type: 'boolean', default: true },
} as const;

/**
 * Layer Gradient × Activation (Shrikumar et al. 2016, arXiv:1605.01713, at a layer), as
 * Captum's `LayerGradientXActivation` used by Inseq's `layer_gradient_x_activation`: the output
 * of `target_layer` times the gradient of the attributed function with respect to it (only the
 * gradient with `multiply_by_inputs: false`). `target_layer` defaults to the token embeddings,
 * where this equals `input_x_gradient`. Output `[batch, sequenceLength, layerHidden]`.
 */
export const layerGradientXActivation = defineMethod({
  name: 'layer_gradient_x_activation',
  family: 'gradient',
  requires: ['gradients', 'layerActivations'],
  description: "A layer's output (target_layer, default the embeddings) times the gradient with respect to it.",
  parseOptions: (raw) => parseOptions('layer_gradient_x_activation', raw, options),
  async attributeStep(ctx) {
    const name = targetLayer(ctx, 'layer_gradient_x_activation');
    const { gradients, layerActivation } = await ctx.backend.gradients!({
      inputIds: ctx.inputIds,
      attentionMask: ctx.attentionMask,
      inputsEmbeds: ctx.inputsEmbeds,
      targetIds: ctx.targetIds,
      target: requireTarget(ctx, 'layer_gradient_x_activation'),
      ...(ctx.contrast && { contrast: ctx.contrast }),
      layer: { name },
    });
    if (ctx.options.multiply_by_inputs) {
      const activation = layerActivation ?? (await ctx.backend.forward({ inputIds: ctx.inputIds, attentionMask: ctx.attentionMask, inputsEmbeds: ctx.inputsEmbeds, layer: { name } }))
          .layerActivation!;
      for (let i = 0; i < gradients.data.length; i++) gradients.data[i] *= activation.data[i];
    }
    return { attributions: gradients };
  },
});
