import { defineAggregator, InvalidInputError } from '@inseq/core';
import { type MergeSpansOptions, mergeSpans } from './merge-spans';
import { type SplitSpansOptions, splitSpans } from './split-spans';

/** Options of {@link splitAggregator}. */
export type SplitAggregatorOptions = MergeSpansOptions &
  SplitSpansOptions & {
    /** Regular expression of the separators (e.g. `'[.!?]'` for sentences); required. */
    splitPattern?: string | RegExp;
    /** Split the source. @defaultValue true */
    aggregateSource?: boolean;
    /** Split the target. @defaultValue true */
    aggregateTarget?: boolean;
  };

/**
 * Inseq's `split` aggregator: merges the runs of tokens between matches of `splitPattern`
 * ({@link splitSpans}, e.g. whole sentences) like the `spans` aggregator ({@link mergeSpans}).
 *
 * @throws InvalidInputError without `splitPattern`.
 */
export const splitAggregator = defineAggregator<SplitAggregatorOptions>({
  name: 'split',
  description: 'Merge the token runs between matches of a regular expression (e.g. sentences).',
  aggregate(sequence, options) {
    const pattern = options?.splitPattern;
    if (pattern === undefined || pattern === '') {
      throw new InvalidInputError("split needs a splitPattern, e.g. { splitPattern: '[.!?]', splitMode: 'end' } for sentences.", { code: 'INVALID_ARGUMENT' });
    }
    const sourceSpans = options?.aggregateSource === false ? [] : splitSpans(sequence.source, pattern, options);
    const targetSpans = options?.aggregateTarget === false ? [] : splitSpans(sequence.target, pattern, options);
    return mergeSpans(sequence, sourceSpans, targetSpans, options);
  },
});
