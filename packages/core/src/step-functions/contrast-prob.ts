import { defineStepFunction } from '../contracts/step-function';
import { contrastOperands } from './contrast-operands';
import { contrastOf, logitsRow, perRow } from './logits-rows';
import { logSoftmaxRow } from './softmax';

/** Probability of the contrastive alternative in its context (Inseq `contrast_prob`; `logprob`). */
export const contrastProb = defineStepFunction({
  name: 'contrast_prob',
  description: 'Probability of the contrastive target (or of the target in the contrastive context); option logprob.',
  options: { logprob: { type: 'boolean', default: false, description: 'Score the log-probability instead of the probability.' } },
  compute: (ctx) => {
    const contrast = contrastOf(ctx);
    return perRow(ctx.targetIds.length, (b) => {
      const logProb = logSoftmaxRow(logitsRow(contrast.logits, b), contrast.ids[b]);
      return ctx.options.logprob ? logProb : Math.exp(logProb);
    });
  },
  differentiable: {
    name: 'contrast_prob',
    build: (ops, logits, targetIds, context) => {
      const contrast = contrastOperands(ops, logits, targetIds, context);
      const scores = context?.options?.logprob === true ? ops.logSoftmax(contrast.logits) : ops.softmax(contrast.logits);
      return ops.gather(scores, contrast.ids);
    },
  },
});
