import type { IntTensor } from '../tensor';

/** A left-padded batch of id rows and its attention mask, both `[batch, maxLength]`. */
export interface PaddedBatch {
  readonly inputIds: IntTensor;
  readonly attentionMask: IntTensor;
  /** Number of padding positions at the start of each row. */
  readonly offsets: number[];
}

/**
 * Left padding (as Hugging Face does for decoder-only generation) keeps the next-token position
 * last in every row, so one logits column serves the whole batch.
 */
export function padLeft(rows: readonly (readonly number[])[], padId: number): PaddedBatch {
  const width = Math.max(...rows.map((row) => row.length));
  const inputIds = new Int32Array(rows.length * width).fill(padId);
  const attentionMask = new Int32Array(rows.length * width);
  const offsets = rows.map((row, b) => {
    const offset = width - row.length;
    inputIds.set(row, b * width + offset);
    attentionMask.fill(1, b * width + offset, (b + 1) * width);
    return offset;
  });
  return {
    inputIds: { data: inputIds, shape: [rows.length, width] },
    attentionMask: { data: attentionMask, shape: [rows.length, width] },
    offsets,
  };
}
