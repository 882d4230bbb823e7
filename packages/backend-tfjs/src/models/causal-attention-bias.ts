import type { IntTensor } from '@inseq/core';

/** What HF adds to masked scores (`torch.finfo(float32).min`): exp of it underflows to exactly 0. */
export const maskedScore = -3.4028234663852886e38;

/**
 * The additive attention bias of a causal decoder over a left-padded batch: 0 where query `q` may
 * see key `k` (`k <= q` and `k` is a real token), {@link maskedScore} elsewhere. A query row with
 * nothing visible (a padding position at the far left) gets the same value everywhere, so its
 * softmax is uniform rather than NaN; its output is never read.
 *
 * @param attentionMask - `[batch, seq]`, 1 for real tokens, 0 for padding.
 * @returns `[batch, 1, seq, seq]` row-major, broadcast over heads.
 */
export function causalAttentionBias(attentionMask: IntTensor): Float32Array {
  const [batch, seq] = attentionMask.shape;
  const bias = new Float32Array(batch * seq * seq);
  for (let b = 0; b < batch; b++) {
    for (let q = 0; q < seq; q++) {
      const row = (b * seq + q) * seq;
      for (let k = 0; k < seq; k++) {
        if (k > q || attentionMask.data[b * seq + k] === 0) bias[row + k] = maskedScore;
      }
    }
  }
  return bias;
}
