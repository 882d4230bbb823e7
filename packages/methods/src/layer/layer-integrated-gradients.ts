import { defineMethod, defineOptions, requireTarget } from '@inseq/core';
import type { BaselineName } from '../gradient/baseline-embeddings';
import { convergenceDeltas } from '../gradient/convergence-deltas';
import { integratedGradients } from '../gradient/integrated-gradients';
import { type IntegrationMethod, integrationRule } from '../gradient/integration-rule';
import { pathIntegralOptions } from '../gradient/path-integral-options';
import { layerActivations } from './layer-activations';
import { layerGradients, layerResult, sideBaselines } from './layer-pass';
import { targetLayer } from './target-layer';

const options = defineOptions({
  target_layer: { type: 'string', description: 'Layer whose output is attributed (see the backend’s layer names; default: the token embeddings).' },
  ...pathIntegralOptions,
});

/**
 * Layer Integrated Gradients (Sundararajan et al. 2017, arXiv:1703.01365, applied to a layer's
 * output), as Captum's `LayerIntegratedGradients` used by Inseq's `layer_integrated_gradients`:
 * the output of `target_layer` is interpolated from its value on the baseline input (UNK
 * embeddings by default) a′ to its value on the input a, and (a − a′) · ∫₀¹ ∂F/∂a(a′ + α(a − a′)) dα
 * is taken with the layer's output replaced along the path (Gauss–Legendre by default, or the
 * Riemann rules). `target_layer` defaults to the token embeddings, where this equals
 * `integrated_gradients`. `return_convergence_delta` adds the step score `deltas` =
 * Σ attributions − (F(x) − F(x′)), as Captum. Output `[batch, sequenceLength, layerHidden]`.
 *
 * Encoder-decoder steps: by default the embeddings of both stacks (Inseq's default layer, called
 * by the encoder and the decoder), moved together from their baselines — exactly
 * `integrated_gradients` over source and target (complete over both sides). A `target_layer` in
 * the encoder gives `sourceAttributions` `[batch, sourceLength, layerHidden]` only, one in the
 * decoder `attributions` only (the other side comes back NaN). a′ is the layer's output on
 * the baselines of both sides, and `deltas` compare with F on both baselines, as Captum; the
 * layers after the replaced one still see the real input of the other side (for a decoder layer,
 * the real source through cross-attention), so there Σ attributions approaches F(x) minus F with
 * only that layer at a′, and `deltas` need not vanish.
 */
export const layerIntegratedGradients = defineMethod({
  name: 'layer_integrated_gradients',
  paper: 'Sundararajan, Taly & Yan (2017), Axiomatic Attribution for Deep Networks, arXiv:1703.01365',
  family: 'gradient',
  requires: ['gradients', 'layerActivations'],
  description: "Integrated gradients of a layer's output (target_layer, default the embeddings) from its baseline value.",
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    const layer = targetLayer(ctx, 'layer_integrated_gradients');
    if (!layer) {
      const { target_layer: _, ...rest } = opts;
      return integratedGradients.attributeStep({ ...ctx, options: rest });
    }
    const target = requireTarget(ctx, 'layer_integrated_gradients');
    const nSteps = opts.n_steps;
    const { alphas, stepSizes } = integrationRule(opts.method, nSteps);
    const baselines = await sideBaselines(ctx, opts.baselines);
    const activations = await layerActivations(ctx, layer, baselines);
    const [batch, length, hidden] = activations.input.shape;
    const rowSize = length * hidden;
    const start = activations.baseline.data;
    const difference = activations.input.data.map((value, i) => value - start[i]);

    const integral = new Float64Array(difference.length);
    const points = nSteps * batch;
    const chunkSize = Math.min(opts.internal_batch_size ?? points, points);
    for (let first = 0; first < points; first += chunkSize) {
      const rows = Math.min(chunkSize, points - first);
      const examples = Int32Array.from({ length: rows }, (_, r) => (first + r) % batch);
      const path = new Float32Array(rows * rowSize);
      for (let r = 0; r < rows; r++) {
        const b = examples[r];
        const alpha = alphas[Math.floor((first + r) / batch)];
        for (let i = 0; i < rowSize; i++) path[r * rowSize + i] = start[b * rowSize + i] + alpha * difference[b * rowSize + i];
      }
      const { gradients } = await layerGradients(ctx, { layer, target, examples, override: { data: path, shape: [rows, length, hidden] } });
      for (let r = 0; r < rows; r++) {
        const b = examples[r];
        const weight = stepSizes[Math.floor((first + r) / batch)];
        for (let i = 0; i < rowSize; i++) integral[b * rowSize + i] += weight * gradients.data[r * rowSize + i];
      }
    }
    const attributions = Float32Array.from(integral, (v, i) => (opts.multiply_by_inputs ? v * difference[i] : v));
    const result = layerResult(ctx, layer, { data: attributions, shape: [batch, length, hidden] });
    if (!opts.return_convergence_delta) return result;
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baselines.joint) } };
  },
});
