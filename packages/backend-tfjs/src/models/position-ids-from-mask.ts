import type { IntTensor } from '@inseq/core';

/**
 * Position ids of a left-padded batch as HF generation computes them
 * (`prepare_inputs_for_generation`: `cumsum(mask) - 1`, then 1 under padding), so a padded row
 * sees the positions its unpadded copy would.
 *
 * @param attentionMask - `[batch, seq]`, 1 for real tokens, 0 for padding.
 * @returns `[batch, seq]` row-major.
 */
export function positionIdsFromMask(attentionMask: IntTensor): Int32Array {
  const [batch, seq] = attentionMask.shape;
  const ids = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    let seen = 0;
    for (let s = 0; s < seq; s++) {
      const i = b * seq + s;
      if (attentionMask.data[i] !== 0) {
        ids[i] = seen;
        seen++;
      } else {
        ids[i] = 1;
      }
    }
  }
  return ids;
}
