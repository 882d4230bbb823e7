import { defineAggregator, InvalidInputError, type SequenceAttribution } from '@inseq/core';
import { pairAggregate } from './pair-aggregate';

/** Options of {@link pairAggregator}. */
export type PairAggregatorOptions = {
  /** The attributions to compare with (Inseq's `paired_attr`); required. */
  paired?: SequenceAttribution;
};

/**
 * Inseq's `pair` aggregator as a pipeline step: `paired − sequence` ({@link pairAggregate}, whose
 * documentation explains the order).
 *
 * @throws InvalidInputError without `paired`.
 */
export const pairAggregator = defineAggregator<PairAggregatorOptions>({
  name: 'pair',
  description: 'Difference of two attributions of minimally different inputs: paired minus this one.',
  aggregate(sequence, options) {
    if (options?.paired === undefined) {
      throw new InvalidInputError('pair needs the other sequence as option paired (or call pairAggregate(first, second)).', { code: 'INVALID_ARGUMENT' });
    }
    return pairAggregate(sequence, options.paired);
  },
});
