import { InvalidInputError } from '../errors/invalid-input-error';
import type { FeatureAttributionOutput } from './feature-attribution-output';
import { PER_SEQUENCE_INFO_FIELDS } from './per-sequence-info';
import type { PositionRange } from './slice-sequence';
import { span } from './select-along-axis';

/**
 * The output restricted to some of its sequences (Inseq indexes `out.sequence_attributions[i]`
 * directly; this keeps `info` in step): `indices` in the order given, negative ones counting from
 * the end, or a `{ start, end }` range as `Array.prototype.slice`. The per-sequence lists of
 * `info` (`input_texts`, `generated_texts`, an array `contrast_targets`) are picked alike; the rest
 * of `info` is copied. `step_attributions`, batched over all sequences, becomes `null`, as in
 * Inseq's `save(split_sequences=True)`. Sequences are shared, not copied; the input is not modified.
 */
export function selectSequences(
  output: FeatureAttributionOutput,
  selection: readonly number[] | PositionRange,
): FeatureAttributionOutput {
  const count = output.sequence_attributions.length;
  const indices = Array.isArray(selection) ? selection.map((index) => resolveIndex(index, count)) : sliceIndices(selection as PositionRange, count);
  const info: Record<string, unknown> = { ...output.info };
  for (const field of PER_SEQUENCE_INFO_FIELDS) {
    const value = output.info[field];
    if (Array.isArray(value) && value.length === count) info[field] = indices.map((index) => value[index]);
  }
  return {
    sequence_attributions: indices.map((index) => output.sequence_attributions[index]),
    step_attributions: null,
    info,
  };
}

function resolveIndex(index: number, count: number): number {
  if (!Number.isInteger(index) || index < -count || index >= count) {
    throw new InvalidInputError(
      `Sequence index ${index} is out of range: the output has ${count} sequence${count === 1 ? '' : 's'} (indices 0…${count - 1}, or -${count}…-1 from the end).`,
    );
  }
  return index < 0 ? count + index : index;
}

function sliceIndices(range: PositionRange, count: number): number[] {
  const resolve = (position: number) => Math.min(count, Math.max(0, position < 0 ? count + position : position));
  return span(resolve(range.start ?? 0), resolve(range.end ?? count));
}
