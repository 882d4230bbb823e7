import { defineStepFunction } from '../contracts/step-function';
import { contrastProb } from './contrast-prob';
import { probability } from './probability';

/**
 * p(target | context) − p(alternative | contrastive context) (Inseq `contrast_prob_diff`,
 * Yin & Neubig 2022); `logprob` uses log-probabilities. When the alternative shares the row's
 * context both terms are differentiable, so gradient methods see the whole contrast.
 */
export const contrastProbDiff = defineStepFunction({
  name: 'contrast_prob_diff',
  description: 'Probability of the target minus that of the contrastive target; option logprob.',
  options: { logprob: { type: 'boolean', default: false, description: 'Subtract log-probabilities instead of probabilities.' } },
  compute: async (ctx) => {
    const original = await probability.compute(ctx);
    const contrast = await contrastProb.compute(ctx);
    return original.map((p, b) => p - contrast[b]);
  },
  differentiable: {
    name: 'contrast_prob_diff',
    build: (ops, logits, targetIds, context) =>
      ops.sub(
        probability.differentiable!.build(ops, logits, targetIds, context),
        contrastProb.differentiable!.build(ops, logits, targetIds, context),
      ),
  },
});
