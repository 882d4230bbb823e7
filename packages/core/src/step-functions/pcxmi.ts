import { defineStepFunction } from '../contracts/step-function';
import { contrastProb } from './contrast-prob';
import { probability } from './probability';

const LN2 = Math.log(2);

/**
 * Pointwise conditional cross-mutual information (Yin et al. 2021, arXiv:2109.07446; Inseq
 * `pcxmi`): −log₂(p(y | x) / p(y′ | x′)), in bits.
 */
export const pcxmi = defineStepFunction({
  name: 'pcxmi',
  description: 'P-CXMI: -log2(p(target) / p(contrastive target in contrastive context)) (bits).',
  compute: async (ctx) => {
    const logOriginal = await probability.compute({ ...ctx, options: { logprob: true } });
    const logContrast = await contrastProb.compute({ ...ctx, options: { logprob: true } });
    return logOriginal.map((lp, b) => -(lp - logContrast[b]) / LN2);
  },
  differentiable: {
    name: 'pcxmi',
    build: (ops, logits, targetIds, context) => {
      const logprob = { ...context, options: { logprob: true } };
      const difference = ops.sub(
        probability.differentiable!.build(ops, logits, targetIds, logprob),
        contrastProb.differentiable!.build(ops, logits, targetIds, logprob),
      );
      return ops.mul(difference, ops.constant(new Float32Array(targetIds.length).fill(-1 / LN2), [targetIds.length]));
    },
  },
});
