import { InvalidInputError } from '../errors/invalid-input-error';
import type { Tensor } from '../tensor';
import type { SequenceAttribution } from './feature-attribution-output';
import { selectAlongAxis, span } from './select-along-axis';

/** A half-open range of positions, `end` excluded; negative values count from the end, as `Array.prototype.slice`. */
export interface PositionRange {
  /** @defaultValue 0 */
  readonly start?: number;
  /** @defaultValue the length of the sliced side */
  readonly end?: number;
}

/**
 * The attribution of one sequence restricted to part of its context, as Inseq's
 * `FeatureAttributionSequenceOutput.__getitem__` (`attr[start:end]`) and `SliceAggregator`
 * (`inseq/data/aggregator.py`) do. Slicing removes *context* tokens only: the explained
 * (generated) tokens `target[attr_pos_start, attr_pos_end)` are always kept, so every step
 * column, step score and the sequence's scores for the output stay as they were.
 *
 * - Decoder-only (`source_attributions` null): `start`/`end` index `target`. The kept context is
 *   `target[start, min(end, attr_pos_start))`; the new target is that context followed by
 *   `target[attr_pos_start, attr_pos_end)`, and `target_attributions` keeps the same rows.
 *   `source` is sliced to the same context positions; `attr_pos_start` becomes the kept context
 *   length and `attr_pos_end` that plus the number of explained tokens.
 * - Encoder-decoder: `start`/`end` index `source`; `source` and the rows of `source_attributions`
 *   are sliced; the target keeps `target[attr_pos_start, attr_pos_end)` (rows of
 *   `target_attributions` likewise) and `attr_pos_start` becomes 0.
 * - `sequence_scores` follow Inseq's naming rule: ids starting `decoder` are sliced on their first
 *   axis like the target, ids starting `encoder` on their first two axes like the source, others
 *   on their first axis like the source.
 *
 * Like Inseq, target tokens after `attr_pos_end` (present when attribution stopped early) are
 * dropped. Unlike Inseq, which yields a negative `attr_pos_start` there, a decoder-only `start`
 * past `attr_pos_start` is an error. The input is not modified.
 */
export function sliceSequence(sequence: SequenceAttribution, range: PositionRange): SequenceAttribution {
  const { attr_pos_start: posStart, attr_pos_end: posEnd } = sequence;
  const decoderOnly = sequence.source_attributions === null;
  const sideLength = decoderOnly ? sequence.target.length : sequence.source.length;
  const start = resolvePosition(range.start ?? 0, sideLength, 'start');
  const end = Math.max(start, resolvePosition(range.end ?? sideLength, sideLength, 'end'));
  const explained = span(posStart, posEnd);

  if (decoderOnly) {
    if (start > posStart) {
      throw new InvalidInputError(
        `Slice start ${start} is past attr_pos_start ${posStart}: slicing keeps every explained token (positions ${posStart}–${posEnd - 1}) and removes context only; use a start ≤ ${posStart}.`,
      );
    }
    const context = span(start, Math.min(end, posStart));
    const targetRows = [...context, ...explained];
    const sourceRows = context.filter((position) => position < sequence.source.length);
    return {
      ...sequence,
      source: sourceRows.map((position) => sequence.source[position]),
      target: targetRows.map((position) => sequence.target[position]),
      target_attributions: rows(sequence.target_attributions, targetRows),
      step_scores: { ...sequence.step_scores },
      sequence_scores: sliceSequenceScores(sequence.sequence_scores, sourceRows, targetRows),
      attr_pos_start: context.length,
      attr_pos_end: context.length + explained.length,
    };
  }
  const sourceRows = span(start, end);
  return {
    ...sequence,
    source: sourceRows.map((position) => sequence.source[position]),
    target: explained.map((position) => sequence.target[position]),
    source_attributions: rows(sequence.source_attributions, sourceRows),
    target_attributions: rows(sequence.target_attributions, explained),
    step_scores: { ...sequence.step_scores },
    sequence_scores: sliceSequenceScores(sequence.sequence_scores, sourceRows, explained),
    attr_pos_start: 0,
    attr_pos_end: explained.length,
  };
}

function resolvePosition(position: number, length: number, name: string): number {
  if (!Number.isInteger(position)) {
    throw new InvalidInputError(`Slice ${name} must be an integer, got ${position}.`, { code: 'INVALID_ARGUMENT' });
  }
  return Math.min(length, Math.max(0, position < 0 ? length + position : position));
}

function rows(tensor: Tensor | null, positions: readonly number[]): Tensor | null {
  return tensor === null ? null : selectAlongAxis(tensor, 0, positions);
}

function sliceSequenceScores(
  scores: Record<string, Tensor>,
  sourceRows: readonly number[],
  targetRows: readonly number[],
): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [id, tensor] of Object.entries(scores)) {
    if (id.startsWith('decoder')) out[id] = checkedSelect(id, tensor, 0, targetRows);
    else if (id.startsWith('encoder')) out[id] = checkedSelect(id, checkedSelect(id, tensor, 0, sourceRows), 1, sourceRows);
    else out[id] = checkedSelect(id, tensor, 0, sourceRows);
  }
  return out;
}

function checkedSelect(id: string, tensor: Tensor, axis: number, positions: readonly number[]): Tensor {
  const length = tensor.shape[axis] ?? 0;
  if (positions.some((position) => position >= length)) {
    throw new InvalidInputError(
      `sequence_scores['${id}'] has shape [${tensor.shape.join(', ')}]: axis ${axis} is too short for positions up to ${Math.max(...positions)}. Ids starting 'decoder' are sliced like the target, 'encoder' like the source on two axes, others like the source.`,
    );
  }
  return selectAlongAxis(tensor, axis, positions);
}
