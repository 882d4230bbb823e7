import { defineStepFunction } from '../contracts/step-function';
import { logSoftmaxRow } from './softmax';
import { logitsRow, perRow } from './logits-rows';

/**
 * Perplexity of the target token, exp(cross-entropy) = 1 / p(y). Inseq computes `2 **` a
 * natural-log cross-entropy, mixing bases; inseq-ts uses the consistent `exp`.
 */
export const perplexity = defineStepFunction({
  name: 'perplexity',
  description: 'Perplexity of the target token, exp(-log p(target)) = 1/p (Inseq mixes bases: 2**nats).',
  compute: ({ logits, targetIds }) => perRow(logits.shape[0], (b) => Math.exp(-logSoftmaxRow(logitsRow(logits, b), targetIds[b]))),
  differentiable: {
    name: 'perplexity',
    build: (ops, logits, targetIds) => ops.exp(ops.neg(ops.gather(ops.logSoftmax(logits), targetIds))),
  },
});
