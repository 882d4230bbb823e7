import { defineMethod, parseOptions, requireTarget } from '@inseq/core';
import { type BaselineName, jointBaselineEmbeddings } from './baseline-embeddings';
import { convergenceDeltas } from './convergence-deltas';
import { type IntegrationMethod, integrationRule } from './integration-rule';
import { jointInputs, jointMask, splitAttributions } from './joint-inputs';
import { pathIntegralOptions } from './path-integral-options';
import { pointGradients } from './point-gradients';

const options = pathIntegralOptions;

/**
 * Sequential Integrated Gradients (Enguehard 2023, "Sequential Integrated Gradients: a simple
 * but effective method for explaining language models", arXiv:2305.15853): integrated gradients
 * run once per position i, moving only token i along the straight path from its baseline to its
 * embedding while every other token stays at its input: (xᵢ − x′ᵢ) · ∫₀¹ ∂F/∂xᵢ dα. Matches
 * Inseq's `sequential_integrated_gradients` (its port of `time_interpret`'s
 * `SequentialIntegratedGradients`), with Captum's integration rules. Baseline x′ defaults to the
 * UNK token embedding, as Inseq. Costs `n_steps` gradient rows per position.
 * `return_convergence_delta` adds the step score `deltas` = Σ attributions − (F(x) − F(x′)), as
 * Inseq computes it (SIG is not complete in that sense, so it need not go to 0).
 * Output `[batch, sequenceLength, hidden]`; encoder-decoder steps also move each source token in
 * turn and return `sourceAttributions` `[batch, sourceLength, hidden]`.
 */
export const sequentialIntegratedGradients = defineMethod({
  name: 'sequential_integrated_gradients',
  paper: 'Enguehard (2023), Sequential Integrated Gradients: a simple but effective method for explaining language models, arXiv:2305.15853',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Integrated gradients per position: only that token moves from its baseline (UNK) to the input.',
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    const nSteps = opts.n_steps;
    const { alphas, stepSizes } = integrationRule(opts.method, nSteps);
    // With a source, rows are joint (target then source): source tokens move one at a time too.
    const x = jointInputs(ctx);
    const mask = jointMask(ctx).data;
    const [batch, length, hidden] = x.shape;
    const rowSize = length * hidden;
    const baseline = await jointBaselineEmbeddings(ctx, opts.baselines);

    // One point per (example, real position, alpha); padding positions have nothing to move.
    const positions: [number, number][] = [];
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < length; i++) if (mask[b * length + i] !== 0) positions.push([b, i]);
    }
    const integral = new Float64Array(x.data.length);
    await pointGradients(
      ctx,
      {
        count: positions.length * nSteps,
        example: (p) => positions[Math.floor(p / nSteps)][0],
        fill: (p, out) => {
          const [b, i] = positions[Math.floor(p / nSteps)];
          const alpha = alphas[p % nSteps];
          out.set(x.data.subarray(b * rowSize, (b + 1) * rowSize));
          for (let h = 0; h < hidden; h++) {
            const at = b * rowSize + i * hidden + h;
            out[i * hidden + h] = baseline.data[at] + alpha * (x.data[at] - baseline.data[at]);
          }
        },
        consume: (p, gradient) => {
          const [b, i] = positions[Math.floor(p / nSteps)];
          const weight = stepSizes[p % nSteps];
          for (let h = 0; h < hidden; h++) integral[b * rowSize + i * hidden + h] += weight * gradient[i * hidden + h];
        },
      },
      { target: requireTarget(ctx, 'sequential_integrated_gradients'), chunkSize: opts.internal_batch_size },
    );
    const attributions = Float32Array.from(integral, (v, i) => (opts.multiply_by_inputs ? v * (x.data[i] - baseline.data[i]) : v));
    const result = splitAttributions(ctx, attributions, [hidden]);
    if (!opts.return_convergence_delta) return result;
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baseline) } };
  },
});
