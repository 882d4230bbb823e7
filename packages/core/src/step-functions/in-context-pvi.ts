import { defineStepFunction } from '../contracts/step-function';
import { contrastProb } from './contrast-prob';
import { probability } from './probability';

/**
 * In-context pointwise V-usable information (Lu et al. 2023, arXiv:2310.12300; Inseq
 * `in_context_pvi`): −log p(y | x) + log p(y′ | x′), in nats as Inseq.
 */
export const inContextPvi = defineStepFunction({
  name: 'in_context_pvi',
  description: 'In-context PVI: -log p(target) + log p(contrastive target in contrastive context) (nats).',
  compute: async (ctx) => {
    const logOriginal = await probability.compute({ ...ctx, options: { logprob: true } });
    const logContrast = await contrastProb.compute({ ...ctx, options: { logprob: true } });
    return logOriginal.map((lp, b) => -lp + logContrast[b]);
  },
  differentiable: {
    name: 'in_context_pvi',
    build: (ops, logits, targetIds, context) => {
      const logprob = { ...context, options: { logprob: true } };
      return ops.sub(
        contrastProb.differentiable!.build(ops, logits, targetIds, logprob),
        probability.differentiable!.build(ops, logits, targetIds, logprob),
      );
    },
  },
});
