import { InvalidInputError } from '@inseq/core';

/**
 * Which units of the last attribution axis the `scores` aggregator keeps before reducing
 * (Inseq's `select_idx`): one index (the axis is then removed, nothing is aggregated), a list of
 * indices, or a `{ start, end }` span (end exclusive; Inseq's `(start, end)` tuple). Negative
 * indices count from the end.
 */
export type SelectIndices = number | readonly number[] | { readonly start: number; readonly end: number };

/**
 * The positive indices `select` names along an axis of `size` units, validated as Inseq's
 * `validate_indices` does (in range, no duplicates, a span with start < end), or a single index
 * when `select` is one number.
 */
export function resolveSelectIndices(select: SelectIndices, size: number): number | number[] {
  const positive = (index: number, allowEnd = false): number => {
    const limit = allowEnd ? size + 1 : size;
    if (!Number.isInteger(index) || index < -size || index >= limit) {
      throw new InvalidInputError(`select_idx ${index} is out of range: the last axis has ${size} units.`, { code: 'INVALID_ARGUMENT' });
    }
    return index < 0 ? size + index : index;
  };
  if (typeof select === 'number') return positive(select);
  if (Array.isArray(select)) {
    const list = select as readonly number[];
    if (list.length === 0) throw new InvalidInputError('select_idx must not be an empty list.', { code: 'INVALID_ARGUMENT' });
    if (list.length === 1) return positive(list[0]);
    const indices = list.map((index) => positive(index));
    if (new Set(indices).size !== indices.length) {
      throw new InvalidInputError(`select_idx [${list.join(', ')}] has duplicate indices.`, { code: 'INVALID_ARGUMENT' });
    }
    return indices;
  }
  const span = select as { start: number; end: number };
  const start = positive(span.start);
  const end = positive(span.end, true);
  if (start >= end) {
    throw new InvalidInputError(`select_idx span {start: ${span.start}, end: ${span.end}} is empty; start must come before end.`, { code: 'INVALID_ARGUMENT' });
  }
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/**
 * A JSON value as a {@link SelectIndices} (the `scores` aggregator's `select_idx`): an integer,
 * a non-empty list of integers, or `{ "start": i, "end": j }` with integers; undefined otherwise.
 * Ranges and duplicates depend on the axis and are checked by {@link resolveSelectIndices}.
 */
export function parseSelectIndices(value: unknown): SelectIndices | undefined {
  if (Number.isInteger(value)) return value as number;
  if (Array.isArray(value)) return value.length > 0 && value.every((index) => Number.isInteger(index)) ? [...(value as number[])] : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const { start, end, ...rest } = value as Record<string, unknown>;
  return Number.isInteger(start) && Number.isInteger(end) && Object.keys(rest).length === 0
    ? { start: start as number, end: end as number }
    : undefined;
}
