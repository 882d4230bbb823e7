import { InvalidInputError } from '@inseq/core';

/** Token positions `[start, end)` (end exclusive), as Inseq's `(start, end)` span tuples. */
export type TokenSpan = readonly [start: number, end: number];

/**
 * Spans as the `spans`, `subwords` and `split` aggregators accept them: one `[start, end]` pair
 * or a list of pairs, ascending and non-overlapping (Inseq's `IndexSpan`).
 */
export type TokenSpans = TokenSpan | readonly TokenSpan[];

/**
 * Validates `spans` over a sequence of `length` tokens and returns the groups they induce: every
 * position belongs to exactly one `[start, end)` group, in order; positions outside every span
 * are groups of one. Spans of one token are allowed and change nothing.
 *
 * @throws InvalidInputError for spans that are empty, overlapping, out of order or out of range.
 */
export function spansToGroups(length: number, spans: TokenSpans | undefined, field: string): TokenSpan[] {
  const list = normalizeSpans(spans, field);
  const groups: TokenSpan[] = [];
  let position = 0;
  for (const [start, end] of list) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < position || end <= start || end > length) {
      throw new InvalidInputError(
        `${field} [${list.map((span) => `[${span.join(', ')}]`).join(', ')}] is invalid for ${length} tokens: spans are [start, end) with ` +
          `start < end ≤ ${length}, ascending and non-overlapping.`, { code: 'INVALID_ARGUMENT' },
      );
    }
    for (; position < start; position++) groups.push([position, position + 1]);
    groups.push([start, end]);
    position = end;
  }
  for (; position < length; position++) groups.push([position, position + 1]);
  return groups;
}

function normalizeSpans(spans: TokenSpans | undefined, field: string): readonly TokenSpan[] {
  if (spans === undefined || spans.length === 0) return [];
  if (typeof spans[0] === 'number') {
    if (spans.length !== 2 || typeof spans[1] !== 'number') {
      throw new InvalidInputError(`${field} must be one [start, end] pair or a list of pairs.`, { code: 'INVALID_ARGUMENT' });
    }
    return [spans as TokenSpan];
  }
  const list = spans as readonly TokenSpan[];
  for (const span of list) {
    if (!Array.isArray(span) || span.length !== 2) {
      throw new InvalidInputError(`${field} must be one [start, end] pair or a list of pairs.`, { code: 'INVALID_ARGUMENT' });
    }
  }
  return list;
}

/** The spans of more than one token among `groups` (what {@link spansToGroups} would rebuild them from). */
export function groupsToSpans(groups: readonly TokenSpan[]): TokenSpan[] {
  return groups.filter(([start, end]) => end - start > 1);
}

const isPair = (value: unknown): value is TokenSpan =>
  Array.isArray(value) && value.length === 2 && value.every((position) => Number.isInteger(position));

/**
 * A JSON value as token spans, for the `spans` aggregator's `source_spans` / `target_spans`: one
 * `[start, end]` pair of integers or a list of them, normalised to a list; undefined otherwise.
 * Ranges, order and overlaps depend on the sequence and are checked by {@link spansToGroups}.
 */
export function parseTokenSpans(value: unknown): TokenSpan[] | undefined {
  if (isPair(value)) return [[value[0], value[1]]];
  return Array.isArray(value) && value.every(isPair) ? value.map(([start, end]) => [start, end] as const) : undefined;
}

/** A JSON value as one `[start, end]` pair of integers (the `slices` aggregator's window); undefined otherwise. */
export function parseTokenSpan(value: unknown): TokenSpan | undefined {
  return isPair(value) ? [value[0], value[1]] : undefined;
}
