import { defineMethod, parseOptions, requireTarget } from '@inseq/core';
import { type BaselineName, jointBaselineEmbeddings } from './baseline-embeddings';
import { convergenceDeltas } from './convergence-deltas';
import { type IntegrationMethod, integrationRule } from './integration-rule';
import { jointInputs, splitAttributions } from './joint-inputs';
import { pathIntegralOptions } from './path-integral-options';
import { pointGradients } from './point-gradients';

const options = pathIntegralOptions;

/**
 * Integrated Gradients (Sundararajan et al. 2017, "Axiomatic Attribution for Deep Networks",
 * arXiv:1703.01365): (x − x′) · ∫₀¹ ∂F(x′ + α(x − x′))/∂x dα over the input embeddings, the
 * integral approximated as in Captum's `IntegratedGradients` (Gauss–Legendre by default, or the
 * Riemann rules). Baseline x′ defaults to the UNK token embedding, as Inseq.
 * `return_convergence_delta` adds the step score `deltas` = Σ attributions − (F(x) − F(x′)),
 * Captum's convergence delta. Contrastive targets follow every path point, so contrastive
 * attribution works with IG and batches (Inseq supports neither). Output `[batch, sequenceLength, hidden]`.
 * Encoder-decoder steps: the path runs over the encoder and decoder input embeddings jointly
 * (both from their baselines, as Inseq attributes source and target together), giving also
 * `sourceAttributions` `[batch, sourceLength, hidden]`; `deltas` then sum over both sides.
 */
export const integratedGradients = defineMethod({
  name: 'integrated_gradients',
  paper: 'Sundararajan, Taly & Yan (2017), Axiomatic Attribution for Deep Networks, arXiv:1703.01365',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Path integral of gradients from a baseline (UNK embedding) to the input, times (input - baseline).',
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    const nSteps = opts.n_steps;
    const { alphas, stepSizes } = integrationRule(opts.method, nSteps);
    // With a source, x is the joint row (target then source): one path moves both sides at once.
    const x = jointInputs(ctx);
    const [batch, positions, hidden] = x.shape;
    const rowSize = positions * hidden;
    const baseline = await jointBaselineEmbeddings(ctx, opts.baselines);
    const difference = x.data.map((value, i) => value - baseline.data[i]);
    // Point p is (alpha k, example b), k-major as Captum expands its batch.
    const integral = new Float64Array(x.data.length);
    await pointGradients(
      ctx,
      {
        count: nSteps * batch,
        example: (p) => p % batch,
        fill: (p, out) => {
          const b = p % batch;
          const alpha = alphas[Math.floor(p / batch)];
          for (let i = 0; i < rowSize; i++) out[i] = baseline.data[b * rowSize + i] + alpha * difference[b * rowSize + i];
        },
        consume: (p, gradient) => {
          const b = p % batch;
          const weight = stepSizes[Math.floor(p / batch)];
          for (let i = 0; i < rowSize; i++) integral[b * rowSize + i] += weight * gradient[i];
        },
      },
      { target: requireTarget(ctx, 'integrated_gradients'), chunkSize: opts.internal_batch_size },
    );
    const attributions = Float32Array.from(integral, (value, i) => (opts.multiply_by_inputs ? value * difference[i] : value));
    const result = splitAttributions(ctx, attributions, [hidden]);
    if (!opts.return_convergence_delta) return result;
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baseline) } };
  },
});
