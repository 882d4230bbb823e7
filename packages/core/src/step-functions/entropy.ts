import { defineStepFunction } from '../contracts/step-function';
import { logSoftmaxRowAll, logitsRow, perRow } from './logits-rows';

/** Entropy (nats) of the next-token distribution, −Σ p log p (Inseq `entropy`). */
export const entropy = defineStepFunction({
  name: 'entropy',
  description: 'Entropy of the next-token distribution (nats).',
  compute: ({ logits }) =>
    perRow(logits.shape[0], (b) => {
      const logProbs = logSoftmaxRowAll(logitsRow(logits, b));
      let h = 0;
      for (const lp of logProbs) if (lp > Number.NEGATIVE_INFINITY) h -= Math.exp(lp) * lp;
      return h;
    }),
  differentiable: {
    name: 'entropy',
    build: (ops, logits) => ops.neg(ops.sum(ops.mul(ops.softmax(logits), ops.logSoftmax(logits)))),
  },
});
