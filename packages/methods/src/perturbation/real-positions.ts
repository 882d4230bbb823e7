import type { IntTensor } from '@inseq/core';

/** Positions of row `row` whose attention mask is 1 (the real, unpadded tokens), in order. */
export function realPositions(attentionMask: IntTensor, row: number): number[] {
  const length = attentionMask.shape[1];
  const positions: number[] = [];
  for (let s = 0; s < length; s++) if (attentionMask.data[row * length + s] !== 0) positions.push(s);
  return positions;
}
