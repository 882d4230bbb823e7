import { defineMethod, parseOptions, requireTarget } from '@inseq/core';
import { BASELINES, type BaselineName, baselineEmbeddings } from '../gradient/baseline-embeddings';
import { convergenceDeltas } from '../gradient/convergence-deltas';
import { layerActivations } from './layer-activations';
import { targetLayer } from './target-layer';

const options = {
  target_layer: { type: 'string' },
  baselines: { type: 'string', default: 'unk', values: BASELINES },
  multiply_by_inputs: { type: 'boolean', default: true },
  return_convergence_delta: { type: 'boolean', default: false },
} as const;

/**
 * Layer DeepLIFT (Shrikumar et al. 2017, arXiv:1704.02685, Rescale rule, at a layer), as Captum's
 * `LayerDeepLift` used by Inseq's `layer_deeplift`: the DeepLIFT multipliers of the attributed
 * function with respect to the output of `target_layer` (backend capability `rescaleGradients`,
 * reference pass on the baseline input, UNK embeddings by default) times (a − a′), the layer's
 * output on the input minus that on the baseline. `target_layer` defaults to the token
 * embeddings, where this equals `deeplift`. `return_convergence_delta` adds the step score
 * `deltas` = Σ attributions − (F(x) − F(x′)). Output `[batch, sequenceLength, layerHidden]`.
 */
export const layerDeeplift = defineMethod({
  name: 'layer_deeplift',
  family: 'gradient',
  requires: ['gradients', 'layerActivations', 'rescaleGradients'],
  description: "DeepLIFT (Rescale) multipliers at a layer's output (target_layer, default the embeddings) times its difference from the baseline's.",
  parseOptions: (raw) => parseOptions('layer_deeplift', raw, options),
  async attributeStep(ctx) {
    const opts = ctx.options;
    const name = targetLayer(ctx, 'layer_deeplift');
    const baseline = await baselineEmbeddings(ctx, opts.baselines as BaselineName);
    const { gradients } = await ctx.backend.gradients!({
      inputIds: ctx.inputIds,
      attentionMask: ctx.attentionMask,
      inputsEmbeds: ctx.inputsEmbeds,
      targetIds: ctx.targetIds,
      target: requireTarget(ctx, 'layer_deeplift'),
      ...(ctx.contrast && { contrast: ctx.contrast }),
      layer: { name },
      rescale: { referenceEmbeds: baseline },
    });
    const attributions = gradients.data;
    if (opts.multiply_by_inputs) {
      const activations = await layerActivations(ctx, name, baseline);
      for (let i = 0; i < attributions.length; i++) attributions[i] *= activations.input.data[i] - activations.baseline.data[i];
    }
    const result = { attributions: gradients };
    if (!opts.return_convergence_delta) return result;
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baseline) } };
  },
});
