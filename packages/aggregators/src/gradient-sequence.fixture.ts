import { expect } from 'vitest';

export { gradientSequence, gradientSequenceColumnSums, gradientSequenceNorms } from '@inseq/testing';

/** Row-major `[rows, columns]` values of a 2-D tensor, for readable assertions. */
export function toRows(tensor: { data: Float32Array; shape: readonly number[] }): number[][] {
  const [rows, columns] = tensor.shape;
  return Array.from({ length: rows }, (_, r) => Array.from(tensor.data.subarray(r * columns, (r + 1) * columns)));
}

/** Asserts `actual` equals `wanted` to 6 decimals, NaN where `wanted` is NaN. */
export function expectRowsClose(actual: number[][], wanted: number[][]): void {
  expect(actual.length).toBe(wanted.length);
  for (let r = 0; r < wanted.length; r++) {
    for (let s = 0; s < wanted[r].length; s++) {
      if (Number.isNaN(wanted[r][s])) expect(actual[r][s], `[${r}][${s}]`).toBeNaN();
      else expect(actual[r][s], `[${r}][${s}]`).toBeCloseTo(wanted[r][s], 6);
    }
  }
}
