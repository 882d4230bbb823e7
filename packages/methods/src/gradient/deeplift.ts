import { defineMethod, parseOptions, requireTarget } from '@inseq/core';
import { BASELINES, type BaselineName, baselineEmbeddings } from './baseline-embeddings';
import { convergenceDeltas } from './convergence-deltas';

const options = {
  baselines: { type: 'string', default: 'unk', values: BASELINES },
  multiply_by_inputs: { type: 'boolean', default: true },
  return_convergence_delta: { type: 'boolean', default: false },
} as const;

/**
 * DeepLIFT (Shrikumar et al. 2017, "Learning Important Features Through Propagating Activation
 * Differences", arXiv:1704.02685) with the Rescale rule: (x − x′) · m, where the multipliers m are
 * the gradient with every elementwise non-linearity's derivative replaced by
 * (f(x) − f(x′)) / (x − x′) against a reference pass on the baseline (backend capability
 * `rescaleGradients`). Matches Captum's `DeepLift` (`multiply_by_inputs=True`) as used by Inseq's
 * `deeplift`; the attributed function (e.g. a softmax probability) is differentiated normally,
 * as Captum does for functions computed outside modules. Baseline x′ defaults to the UNK token
 * embedding, as Inseq. `return_convergence_delta` adds the step score `deltas` =
 * Σ attributions − (F(x) − F(x′)). Output `[batch, sequenceLength, hidden]`.
 */
export const deeplift = defineMethod({
  name: 'deeplift',
  family: 'gradient',
  requires: ['gradients', 'rescaleGradients'],
  description: 'DeepLIFT (Rescale rule): multipliers against a baseline (UNK embedding) pass, times (input - baseline).',
  parseOptions: (raw) => parseOptions('deeplift', raw, options),
  async attributeStep(ctx) {
    const opts = ctx.options;
    const x = ctx.inputsEmbeds;
    const baseline = await baselineEmbeddings(ctx, opts.baselines as BaselineName);
    const { gradients } = await ctx.backend.gradients!({
      inputIds: ctx.inputIds,
      attentionMask: ctx.attentionMask,
      inputsEmbeds: x,
      targetIds: ctx.targetIds,
      target: requireTarget(ctx, 'deeplift'),
      ...(ctx.contrast && { contrast: ctx.contrast }),
      rescale: { referenceEmbeds: baseline },
    });
    const attributions = gradients.data;
    if (opts.multiply_by_inputs) for (let i = 0; i < attributions.length; i++) attributions[i] *= x.data[i] - baseline.data[i];
    const result = { attributions: { data: attributions, shape: [...x.shape] } };
    if (!opts.return_convergence_delta) return result;
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baseline) } };
  },
});
