import { defineStepFunction } from '../contracts/step-function';
import { logSoftmaxRow } from './softmax';
import { logitsRow, perRow } from './logits-rows';

/** Cross-entropy of the target token, −log p(y) in nats (Inseq `crossentropy`, `F.cross_entropy`). */
export const crossentropy = defineStepFunction({
  name: 'crossentropy',
  description: 'Cross-entropy of the target token, -log p(target) (nats).',
  compute: ({ logits, targetIds }) => perRow(logits.shape[0], (b) => -logSoftmaxRow(logitsRow(logits, b), targetIds[b])),
  differentiable: {
    name: 'crossentropy',
    build: (ops, logits, targetIds) => ops.neg(ops.gather(ops.logSoftmax(logits), targetIds)),
  },
});
