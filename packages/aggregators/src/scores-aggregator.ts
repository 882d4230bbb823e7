import { defineAggregator, type Registry } from '@inseq/core';
import { aggregateHiddenSize } from './aggregate-hidden-size';
import type { AggregationFunction } from './aggregation-function';
import { normalizeAttributions } from './normalize-attributions';

/** Options of {@link scoresAggregator}. */
export type ScoresAggregatorOptions = {
  /** Aggregation function id that reduces the trailing (hidden) axes. @defaultValue 'vnorm' */
  aggregateFn?: string;
  /** L1-normalise every step column over source + target tokens afterwards. @defaultValue true */
  normalize?: boolean;
  /** Where `aggregateFn` is looked up. @defaultValue the built-in aggregation functions */
  functions?: Registry<AggregationFunction>;
};

/**
 * Inseq's `scores` aggregator (`SequenceAttributionAggregator`, `inseq/data/aggregator.py`):
 * reduces the trailing axes of the source and target attributions with an aggregation function,
 * then normalises each step column ({@link normalizeAttributions}). With default options it is
 * {@link defaultAggregate}; with `normalize: false` it is {@link aggregateHiddenSize}.
 */
export const scoresAggregator = defineAggregator<ScoresAggregatorOptions>({
  name: 'scores',
  description: 'Reduce the hidden size with an aggregation function (default vnorm), then normalise each step.',
  aggregate(sequence, options) {
    const aggregated = aggregateHiddenSize(sequence, options?.aggregateFn ?? 'vnorm', { functions: options?.functions });
    return options?.normalize === false ? aggregated : normalizeAttributions(aggregated);
  },
});
