import { defineMethod, parseOptions, requireTarget } from '@inseq/core';
import { type BaselineName, baselineEmbeddings } from '../gradient/baseline-embeddings';
import { convergenceDeltas } from '../gradient/convergence-deltas';
import { type IntegrationMethod, integrationRule } from '../gradient/integration-rule';
import { pathIntegralOptions } from '../gradient/path-integral-options';
import { pointGradients } from '../gradient/point-gradients';
import { layerActivations } from './layer-activations';
import { targetLayer } from './target-layer';

const options = { target_layer: { type: 'string' }, ...pathIntegralOptions } as const;

/**
 * Layer Integrated Gradients (Sundararajan et al. 2017, arXiv:1703.01365, applied to a layer's
 * output), as Captum's `LayerIntegratedGradients` used by Inseq's `layer_integrated_gradients`:
 * the output of `target_layer` is interpolated from its value on the baseline input (UNK
 * embeddings by default) a′ to its value on the input a, and (a − a′) · ∫₀¹ ∂F/∂a(a′ + α(a − a′)) dα
 * is taken with the layer's output replaced along the path (Gauss–Legendre by default, or the
 * Riemann rules). `target_layer` defaults to the token embeddings, where this equals
 * `integrated_gradients`. `return_convergence_delta` adds the step score `deltas` =
 * Σ attributions − (F(x) − F(x′)), as Captum. Output `[batch, sequenceLength, layerHidden]`.
 */
export const layerIntegratedGradients = defineMethod({
  name: 'layer_integrated_gradients',
  family: 'gradient',
  requires: ['gradients', 'layerActivations'],
  description: "Integrated gradients of a layer's output (target_layer, default the embeddings) from its baseline value.",
  parseOptions: (raw) => parseOptions('layer_integrated_gradients', raw, options),
  async attributeStep(ctx) {
    const opts = ctx.options;
    const name = targetLayer(ctx, 'layer_integrated_gradients');
    const target = requireTarget(ctx, 'layer_integrated_gradients');
    const nSteps = opts.n_steps as number;
    const { alphas, stepSizes } = integrationRule(opts.method as IntegrationMethod, nSteps);
    const baseline = await baselineEmbeddings(ctx, opts.baselines as BaselineName);
    const activations = await layerActivations(ctx, name, baseline);
    const [batch, length, hidden] = activations.input.shape;
    const rowSize = length * hidden;
    const start = activations.baseline.data;
    const difference = activations.input.data.map((value, i) => value - start[i]);

    const integral = new Float64Array(difference.length);
    await pointGradients(
      ctx,
      {
        count: nSteps * batch,
        example: (p) => p % batch,
        fill: (p, out) => {
          const b = p % batch;
          const alpha = alphas[Math.floor(p / batch)];
          for (let i = 0; i < rowSize; i++) out[i] = start[b * rowSize + i] + alpha * difference[b * rowSize + i];
        },
        consume: (p, gradient) => {
          const b = p % batch;
          const weight = stepSizes[Math.floor(p / batch)];
          for (let i = 0; i < rowSize; i++) integral[b * rowSize + i] += weight * gradient[i];
        },
      },
      { target, chunkSize: opts.internal_batch_size as number | undefined, layer: { name, hidden } },
    );
    const attributions = Float32Array.from(integral, (v, i) => (opts.multiply_by_inputs ? v * difference[i] : v));
    const result = { attributions: { data: attributions, shape: [batch, length, hidden] } };
    if (!opts.return_convergence_delta) return result;
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baseline) } };
  },
});
