import type { SequenceAttribution } from '@inseq/core';
import { aggregateHiddenSize } from './aggregate-hidden-size';
import { hasTrailingAxes } from './has-trailing-axes';
import { normalizeAttributions } from './normalize-attributions';

/**
 * The aggregation Inseq applies before showing granular (e.g. gradient) attributions: the
 * trailing axes are reduced with `vnorm` (only when there are any) and every step column is then
 * L1-normalised over source + target tokens ({@link normalizeAttributions}). Inseq's
 * `GranularFeatureAttributionSequenceOutput` sets this default (`scores` aggregator with `vnorm`,
 * `inseq/data/attribution.py`); it equals the `scores` aggregator with default options.
 *
 * @param sequence - The attributions of one sequence; not modified.
 * @returns A new sequence with `[length, nSteps]` normalised attributions.
 */
export function defaultAggregate(sequence: SequenceAttribution): SequenceAttribution {
  return normalizeAttributions(hasTrailingAxes(sequence) ? aggregateHiddenSize(sequence, 'vnorm') : sequence);
}
