import { defineAggregator, InvalidInputError, type Registry } from '@inseq/core';
import { aggregateHiddenSize } from './aggregate-hidden-size';
import type { AggregationFunction } from './aggregation-function';
import { normalizeAttributions } from './normalize-attributions';
import { rescaleAttributions } from './rescale-attributions';
import type { SelectIndices } from './select-indices';

/** Options of {@link scoresAggregator}. */
export type ScoresAggregatorOptions = {
  /** Aggregation function id that reduces the trailing (hidden) axes. @defaultValue 'vnorm' */
  aggregateFn?: string;
  /** Units of the last axis to keep first (Inseq's `select_idx`), see {@link SelectIndices}. @defaultValue all */
  selectIdx?: SelectIndices;
  /** L1-normalise every step column over source + target tokens afterwards. @defaultValue true unless `rescale` */
  normalize?: boolean;
  /** Divide every step column by its largest magnitude instead ({@link rescaleAttributions}). @defaultValue false */
  rescale?: boolean;
  /** Order of `vnorm` (Inseq's `ord`): 1, 2, Infinity or any p > 0. @defaultValue 2 */
  vnormOrd?: number;
  /** Where `aggregateFn` is looked up. @defaultValue the built-in aggregation functions */
  functions?: Registry<AggregationFunction>;
};

/**
 * Inseq's `scores` aggregator (`SequenceAttributionAggregator`, `inseq/data/aggregator.py`):
 * keeps the `selectIdx` units of the last axis, reduces the trailing axes of the source and
 * target attributions with an aggregation function ({@link aggregateHiddenSize}), then
 * normalises each step column ({@link normalizeAttributions}) or, with `rescale`, divides it by
 * its largest magnitude ({@link rescaleAttributions}). Tokens, step scores and sequence scores
 * are unchanged. With default options it is {@link defaultAggregate}.
 *
 * @throws InvalidInputError when both `normalize` and `rescale` are true, as Inseq.
 */
export const scoresAggregator = defineAggregator<ScoresAggregatorOptions>({
  name: 'scores',
  description: 'Reduce the hidden size with an aggregation function (default vnorm), then normalise (or rescale) each step.',
  aggregate(sequence, options) {
    const rescale = options?.rescale === true;
    if (rescale && options?.normalize === true) {
      throw new InvalidInputError('scores: normalize and rescale cannot both be true; pick one.', { code: 'INVALID_ARGUMENT' });
    }
    const aggregated = aggregateHiddenSize(sequence, options?.aggregateFn ?? 'vnorm', {
      functions: options?.functions,
      selectIdx: options?.selectIdx,
      functionOptions: options?.vnormOrd === undefined ? undefined : { vnormOrd: options.vnormOrd },
    });
    if (rescale) return rescaleAttributions(aggregated);
    return options?.normalize === false ? aggregated : normalizeAttributions(aggregated);
  },
});
