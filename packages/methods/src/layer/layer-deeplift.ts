import { defineMethod, defineOptions, requireTarget } from '@inseq/core';
import { BASELINES, type BaselineName } from '../gradient/baseline-embeddings';
import { convergenceDeltas } from '../gradient/convergence-deltas';
import { deeplift } from '../gradient/deeplift';
import { layerActivations } from './layer-activations';
import { layerGradients, layerResult, sideBaselines } from './layer-pass';
import { targetLayer } from './target-layer';

const options = defineOptions({
  target_layer: { type: 'string', description: 'Layer whose output is attributed (see list-methods / layerNames; default: the token embeddings).' },
  baselines: { type: 'string', default: 'unk', values: BASELINES, description: 'Baseline token: unk (Inseq), zeros (zero embeddings) or pad.' },
  multiply_by_inputs: { type: 'boolean', default: true, description: 'Multiply by (input − baseline); false keeps the plain integrated gradient.' },
  return_convergence_delta: { type: 'boolean', default: false, description: 'Add the step score deltas = Σ attributions − (F(input) − F(baseline)).' },
});

/**
 * Layer DeepLIFT (Shrikumar et al. 2017, arXiv:1704.02685, Rescale rule, at a layer), as Captum's
 * `LayerDeepLift` used by Inseq's `layer_deeplift`: the DeepLIFT multipliers of the attributed
 * function with respect to the output of `target_layer` (backend capability `rescaleGradients`,
 * reference pass on the baseline input, UNK embeddings by default) times (a − a′), the layer's
 * output on the input minus that on the baseline. `target_layer` defaults to the token
 * embeddings, where this equals `deeplift`. `return_convergence_delta` adds the step score
 * `deltas` = Σ attributions − (F(x) − F(x′)). Output `[batch, sequenceLength, layerHidden]`.
 *
 * Encoder-decoder steps: by default the embeddings of both stacks (Inseq's default), i.e.
 * `deeplift` over source and target; a `target_layer` in the encoder gives `sourceAttributions`
 * `[batch, sourceLength, layerHidden]` only, one in the decoder `attributions` only. The
 * reference pass and a′ use the baselines of both sides, as Captum runs the whole baseline input.
 */
export const layerDeeplift = defineMethod({
  name: 'layer_deeplift',
  paper: 'Shrikumar, Greenside & Kundaje (2017), Learning Important Features Through Propagating Activation Differences, arXiv:1704.02685',
  family: 'gradient',
  requires: ['gradients', 'layerActivations', 'rescaleGradients'],
  description: "DeepLIFT (Rescale) multipliers at a layer's output (target_layer, default the embeddings) times its difference from the baseline's.",
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    const layer = targetLayer(ctx, 'layer_deeplift');
    if (!layer) {
      const { target_layer: _, ...rest } = opts;
      return deeplift.attributeStep({ ...ctx, options: rest });
    }
    const baselines = await sideBaselines(ctx, opts.baselines);
    const examples = Int32Array.from({ length: ctx.inputIds.shape[0] }, (_, b) => b);
    const target = requireTarget(ctx, 'layer_deeplift');
    const { gradients } = await layerGradients(ctx, { layer, target, examples, rescale: baselines });
    const attributions = gradients.data;
    if (opts.multiply_by_inputs) {
      const activations = await layerActivations(ctx, layer, baselines);
      for (let i = 0; i < attributions.length; i++) attributions[i] *= activations.input.data[i] - activations.baseline.data[i];
    }
    const result = layerResult(ctx, layer, gradients);
    if (!opts.return_convergence_delta) return result;
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baselines.joint) } };
  },
});
