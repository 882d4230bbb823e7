import { InvalidInputError, shapeSize, type Tensor } from '@inseq/core';
import type { AggregationFunction, AggregationFunctionOptions } from './aggregation-function';
import type { TokenSpan } from './token-span';

/**
 * Reduces `tensor` `[rows, columns, …inner]` block by block: rows grouped by `rowGroups` and
 * columns by `columnGroups` (`null`: the axis is kept; a 1-D tensor has columns only), each
 * block reduced with `fn` separately for every inner index. A block holding any NaN gives NaN:
 * a merged word is visible at a step only when all its tokens are, which keeps the
 * not-yet-seen triangle of target attributions NaN, as Inseq's NaN-propagating reductions do.
 */
export function mergeBlocks(
  tensor: Tensor,
  rowGroups: readonly TokenSpan[] | null,
  columnGroups: readonly TokenSpan[] | null,
  fn: AggregationFunction,
  functionOptions?: AggregationFunctionOptions,
): Tensor {
  const oneDimensional = tensor.shape.length === 1;
  const shape = oneDimensional ? [1, tensor.shape[0]] : tensor.shape;
  const [rows, columns] = shape;
  const inner = shapeSize(shape.slice(2));
  const rowSpans = rowGroups ?? identityGroups(rows);
  const columnSpans = columnGroups ?? identityGroups(columns);
  if (coveredLength(rowSpans) !== rows || coveredLength(columnSpans) !== columns) {
    throw new InvalidInputError(
      `A tensor of shape [${tensor.shape.join(', ')}] does not match the tokens being merged (${coveredLength(rowSpans)} × ${coveredLength(columnSpans)}).`,
    );
  }
  const data = new Float32Array(rowSpans.length * columnSpans.length * inner);
  const buffer = new Float32Array(maxLength(rowSpans) * maxLength(columnSpans));
  let out = 0;
  for (const [rowStart, rowEnd] of rowSpans) {
    for (const [columnStart, columnEnd] of columnSpans) {
      for (let k = 0; k < inner; k++) {
        let count = 0;
        let sawNaN = false;
        for (let r = rowStart; r < rowEnd; r++) {
          for (let c = columnStart; c < columnEnd; c++) {
            const value = tensor.data[(r * columns + c) * inner + k];
            if (Number.isNaN(value)) sawNaN = true;
            buffer[count++] = value;
          }
        }
        data[out++] = sawNaN ? Number.NaN : count === 1 ? buffer[0] : fn.reduce(buffer.subarray(0, count), functionOptions);
      }
    }
  }
  const outShape = oneDimensional ? [columnSpans.length] : [rowSpans.length, columnSpans.length, ...shape.slice(2)];
  return { data, shape: outShape };
}

function identityGroups(length: number): TokenSpan[] {
  return Array.from({ length }, (_, i) => [i, i + 1] as const);
}

function coveredLength(groups: readonly TokenSpan[]): number {
  return groups.length === 0 ? 0 : groups[groups.length - 1][1] - groups[0][0];
}

function maxLength(groups: readonly TokenSpan[]): number {
  return groups.reduce((longest, [start, end]) => Math.max(longest, end - start), 1);
}
