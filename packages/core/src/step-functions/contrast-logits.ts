import { defineStepFunction } from '../contracts/step-function';
import { contrastOperands } from './contrast-operands';
import { contrastOf, logitsRow, perRow } from './logits-rows';

/** Logit of the contrastive alternative in its context (Inseq `contrast_logits`). */
export const contrastLogits = defineStepFunction({
  name: 'contrast_logits',
  description: 'Logit of the contrastive target (or of the target in the contrastive context).',
  compute: (ctx) => {
    const contrast = contrastOf(ctx);
    return perRow(ctx.targetIds.length, (b) => logitsRow(contrast.logits, b)[contrast.ids[b]]);
  },
  differentiable: {
    name: 'contrast_logits',
    build: (ops, logits, targetIds, context) => {
      const contrast = contrastOperands(ops, logits, targetIds, context);
      return ops.gather(contrast.logits, contrast.ids);
    },
  },
});
