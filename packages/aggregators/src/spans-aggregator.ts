import { defineAggregator } from '@inseq/core';
import { type MergeSpansOptions, mergeSpans } from './merge-spans';
import type { TokenSpans } from './token-span';

/** Options of {@link spansAggregator}. */
export type SpansAggregatorOptions = MergeSpansOptions & {
  /** Source token spans to merge, `[start, end)`. @defaultValue none */
  sourceSpans?: TokenSpans;
  /** Target token spans to merge, `[start, end)` over the whole target (prompt included). @defaultValue none */
  targetSpans?: TokenSpans;
};

/**
 * Inseq's `spans` aggregator (`ContiguousSpanAggregator`, `inseq/data/aggregator.py`): merges the
 * given contiguous spans of source and target tokens into one token each ({@link mergeSpans}),
 * with `absmax` for attributions by default and, per step score, `prod` for probabilities and
 * `sum` for entropies ({@link spanStepScoreFunctions}).
 *
 * Deviation: Inseq rejects a span that ends at the last token (`end < len`); here `end ≤ len`.
 */
export const spansAggregator = defineAggregator<SpansAggregatorOptions>({
  name: 'spans',
  description: 'Merge given contiguous token spans (absmax for attributions, prod/sum for step scores).',
  aggregate(sequence, options) {
    return mergeSpans(sequence, options?.sourceSpans, options?.targetSpans, options);
  },
});
