import type { SequenceAttribution } from '@inseq/core';
import { aggregateHiddenSize } from './aggregate-hidden-size';
import { hasTrailingAxes } from './has-trailing-axes';
import { normalizeAttributions } from './normalize-attributions';

/**
 * The aggregation Inseq applies before showing attributions: the trailing axes are reduced with
 * `aggregateFn` (only when there are any) and every step column is then L1-normalised over
 * source + target tokens ({@link normalizeAttributions}). With the default `vnorm` this is the
 * default of granular (gradient) attributions, Inseq's `GranularFeatureAttributionSequenceOutput`
 * (`scores` aggregator with `vnorm`, `inseq/data/attribution.py`), and equals the `scores`
 * aggregator with default options; {@link defaultAggregationFunction} picks `mean` for attention
 * and value zeroing, as Inseq does.
 *
 * @param sequence - The attributions of one sequence; not modified.
 * @param aggregateFn - Aggregation function id for the trailing axes. @defaultValue 'vnorm'
 * @returns A new sequence with `[length, nSteps]` normalised attributions.
 */
export function defaultAggregate(sequence: SequenceAttribution, aggregateFn = 'vnorm'): SequenceAttribution {
  return normalizeAttributions(hasTrailingAxes(sequence) ? aggregateHiddenSize(sequence, aggregateFn) : sequence);
}
