import type { EncoderInput } from '../contracts/model-backend';

/**
 * Right padding of encoder rows, as Hugging Face tokenizers pad a source batch: every row's
 * tokens sit at positions `0…`, so encoders with absolute positions see what they see unpadded.
 */
export function padRight(rows: readonly (readonly number[])[], padId: number): EncoderInput {
  const width = Math.max(...rows.map((row) => row.length));
  const inputIds = new Int32Array(rows.length * width).fill(padId);
  const attentionMask = new Int32Array(rows.length * width);
  rows.forEach((row, b) => {
    inputIds.set(row, b * width);
    attentionMask.fill(1, b * width, b * width + row.length);
  });
  return { inputIds: { data: inputIds, shape: [rows.length, width] }, attentionMask: { data: attentionMask, shape: [rows.length, width] } };
}
