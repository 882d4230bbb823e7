import { defineStepFunction } from '../contracts/step-function';
import { logSoftmaxRow } from './softmax';

/** Probability of the target token (Inseq `probability`); `logprob: true` returns its log. */
export const probability = defineStepFunction({
  name: 'probability',
  description: 'Probability of the target token (option logprob: log-probability).',
  options: { logprob: { type: 'boolean', default: false, description: 'Score the log-probability instead of the probability.' } },
  compute({ logits, targetIds, options }) {
    const [batch, vocab] = logits.shape;
    const out = new Float32Array(batch);
    for (let b = 0; b < batch; b++) {
      const row = logits.data.subarray(b * vocab, (b + 1) * vocab);
      const logProb = logSoftmaxRow(row, targetIds[b]);
      out[b] = options.logprob ? logProb : Math.exp(logProb);
    }
    return out;
  },
  differentiable: {
    name: 'probability',
    build: (ops, logits, targetIds, context) =>
      context?.options?.logprob === true
        ? ops.gather(ops.logSoftmax(logits), targetIds)
        : ops.gather(ops.softmax(logits), targetIds),
  },
});
