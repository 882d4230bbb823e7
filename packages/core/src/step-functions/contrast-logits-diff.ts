import { defineStepFunction } from '../contracts/step-function';
import { contrastLogits } from './contrast-logits';
import { logit } from './logit';

/** logit(target) − logit(alternative) (Inseq `contrast_logits_diff`, Yin & Neubig 2022's target). */
export const contrastLogitsDiff = defineStepFunction({
  name: 'contrast_logits_diff',
  description: 'Logit of the target minus that of the contrastive target.',
  compute: async (ctx) => {
    const original = await logit.compute(ctx);
    const contrast = await contrastLogits.compute(ctx);
    return original.map((v, b) => v - contrast[b]);
  },
  differentiable: {
    name: 'contrast_logits_diff',
    build: (ops, logits, targetIds, context) =>
      ops.sub(
        logit.differentiable!.build(ops, logits, targetIds, context),
        contrastLogits.differentiable!.build(ops, logits, targetIds, context),
      ),
  },
});
