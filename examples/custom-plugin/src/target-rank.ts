import { defineStepFunction } from '@inseq/core';

/** `target_rank`: how many vocabulary entries have a higher logit than the target (0 = argmax). */
export const targetRank = defineStepFunction({
  name: 'target_rank',
  description: 'Rank of the target token among all logits, 0 for the most likely (example plugin).',
  compute: ({ logits, targetIds }) => {
    const [batch, vocab] = logits.shape;
    return Float32Array.from({ length: batch }, (_, b) => {
      const row = logits.data.subarray(b * vocab, (b + 1) * vocab);
      return row.reduce((rank, value) => (value > row[targetIds[b]] ? rank + 1 : rank), 0);
    });
  },
});
