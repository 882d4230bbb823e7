import { defineAggregator, InvalidInputError, type SequenceAttribution, shapeSize, type Tensor } from '@inseq/core';
import type { TokenSpan } from './token-span';

/** Options of {@link slicesAggregator}. */
export type SlicesAggregatorOptions = {
  /** Source positions to keep, `[start, end)`. @defaultValue all */
  sourceSpans?: TokenSpan;
  /** Target positions to keep, `[start, end)` over the whole target (prompt included). @defaultValue all */
  targetSpans?: TokenSpan;
};

/**
 * Inseq's `slices` aggregator (`SliceAggregator`): keeps one contiguous window of source and/or
 * target tokens, e.g. to look at one sentence of a long generation. Source slicing keeps those
 * rows of the source attributions. Target slicing keeps those rows of the target attributions
 * and the generation steps whose explained token lies in the window (columns of both attribution
 * tensors and step scores), with `attr_pos_start`/`attr_pos_end` relative to the window.
 * Sequence scores are unchanged.
 *
 * @throws InvalidInputError for a window out of range, or a target window with no generated token.
 */
export const slicesAggregator = defineAggregator<SlicesAggregatorOptions>({
  name: 'slices',
  description: 'Keep one contiguous window of source and/or target tokens (and the steps inside it).',
  aggregate(sequence, options) {
    let sliced: SequenceAttribution = sequence;
    if (options?.sourceSpans !== undefined) {
      const [from, to] = checkWindow(options.sourceSpans, sequence.source.length, 'sourceSpans');
      sliced = {
        ...sliced,
        source: sequence.source.slice(from, to),
        source_attributions: sliceAxes(sequence.source_attributions, [from, to], null),
      };
    }
    if (options?.targetSpans !== undefined) {
      const [from, to] = checkWindow(options.targetSpans, sequence.target.length, 'targetSpans');
      const { attr_pos_start: start, attr_pos_end: end } = sequence;
      const firstStep = Math.max(start, from) - start;
      const endStep = Math.min(end, to) - start;
      if (endStep <= firstStep) {
        throw new InvalidInputError(
          `targetSpans [${from}, ${to}] holds no generated token: attributed positions are [${start}, ${end}).`,
          'INVALID_ARGUMENT',
        );
      }
      const steps: TokenSpan = [firstStep, endStep];
      const rows = sliced.target_attributions?.shape[0] ?? 0;
      sliced = {
        ...sliced,
        target: sequence.target.slice(from, to),
        source_attributions: sliceAxes(sliced.source_attributions, null, steps),
        target_attributions: sliceAxes(sliced.target_attributions, [from, Math.min(to, rows)], steps),
        step_scores: Object.fromEntries(Object.entries(sequence.step_scores).map(([id, scores]) => [id, sliceAxes(scores, null, steps)!])),
        attr_pos_start: firstStep + start - from,
        attr_pos_end: endStep + start - from,
      };
    }
    return sliced;
  },
});

function checkWindow(window: TokenSpan, length: number, field: string): TokenSpan {
  const [from, to] = window;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > length || from >= to) {
    throw new InvalidInputError(`${field} [${window.join(', ')}] must be [start, end) with 0 ≤ start < end ≤ ${length}.`, 'INVALID_ARGUMENT');
  }
  return window;
}

/** Rows (axis 0) and columns (axis 1; axis 0 of a 1-D tensor) kept within the given windows. */
function sliceAxes(tensor: Tensor | null, rows: TokenSpan | null, columns: TokenSpan | null): Tensor | null {
  if (tensor === null) return null;
  const shape = tensor.shape.length === 1 ? [1, tensor.shape[0]] : tensor.shape;
  const [rowFrom, rowTo] = rows ?? [0, shape[0]];
  const [columnFrom, columnTo] = columns ?? [0, shape[1]];
  const inner = shapeSize(shape.slice(2));
  const width = (columnTo - columnFrom) * inner;
  const data = new Float32Array((rowTo - rowFrom) * width);
  for (let r = rowFrom; r < rowTo; r++) {
    const offset = (r * shape[1] + columnFrom) * inner;
    data.set(tensor.data.subarray(offset, offset + width), (r - rowFrom) * width);
  }
  const outShape = tensor.shape.length === 1 ? [columnTo - columnFrom] : [rowTo - rowFrom, columnTo - columnFrom, ...shape.slice(2)];
  return { data, shape: outShape };
}
