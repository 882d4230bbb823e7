import { defineMethod, defineOptions, requireTarget } from '@inseq/core';
import { inputXGradient } from '../gradient/input-x-gradient';
import { saliency } from '../gradient/saliency';
import { layerGradients, layerResult } from './layer-pass';
import { targetLayer } from './target-layer';

const options = defineOptions({
  target_layer: { type: 'string', description: 'Layer whose output is attributed (see list-methods / layerNames; default: the token embeddings).' },
  multiply_by_inputs: { type: 'boolean', default: true, description: 'Multiply the gradient by the layer activation (false: the gradient alone).' },
});

/**
 * Layer Gradient × Activation (Shrikumar et al. 2016, arXiv:1605.01713, at a layer), as
 * Captum's `LayerGradientXActivation` used by Inseq's `layer_gradient_x_activation`: the output
 * of `target_layer` times the gradient of the attributed function with respect to it (only the
 * gradient with `multiply_by_inputs: false`). `target_layer` defaults to the token embeddings,
 * where this equals `input_x_gradient`. Output `[batch, sequenceLength, layerHidden]`.
 *
 * Encoder-decoder steps: by default the embeddings of both stacks (Inseq's default), i.e.
 * `input_x_gradient` over source and target (`saliency` with `abs: false` without
 * `multiply_by_inputs`); a `target_layer` in the encoder gives `sourceAttributions` `[batch,
 * sourceLength, layerHidden]` only, one in the decoder `attributions` only.
 */
export const layerGradientXActivation = defineMethod({
  name: 'layer_gradient_x_activation',
  paper: 'Shrikumar, Greenside, Shcherbina & Kundaje (2016), Not Just a Black Box: Learning Important Features Through Propagating Activation Differences, arXiv:1605.01713',
  family: 'gradient',
  requires: ['gradients', 'layerActivations'],
  description: "A layer's output (target_layer, default the embeddings) times the gradient with respect to it.",
  options,
  async attributeStep(ctx) {
    const layer = targetLayer(ctx, 'layer_gradient_x_activation');
    if (!layer) {
      if (ctx.options.multiply_by_inputs) return inputXGradient.attributeStep({ ...ctx, options: {} });
      return saliency.attributeStep({ ...ctx, options: { abs: false } });
    }
    const examples = Int32Array.from({ length: ctx.inputIds.shape[0] }, (_, b) => b);
    const target = requireTarget(ctx, 'layer_gradient_x_activation');
    const { gradients, layerActivation } = await layerGradients(ctx, { layer, target, examples });
    if (ctx.options.multiply_by_inputs) {
      const activation =
        layerActivation ??
        (
          await ctx.backend.forward({
            inputIds: ctx.inputIds,
            attentionMask: ctx.attentionMask,
            inputsEmbeds: ctx.inputsEmbeds,
            layer: { name: layer.name },
            ...(ctx.encoder && { encoder: ctx.encoder }),
          })
        ).layerActivation!;
      for (let i = 0; i < gradients.data.length; i++) gradients.data[i] *= activation.data[i];
    }
    return layerResult(ctx, layer, gradients);
  },
});
