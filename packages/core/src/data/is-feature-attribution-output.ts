import type { FeatureAttributionOutput, SequenceAttribution } from './feature-attribution-output';

/** True for a whole output, false for one sequence's attribution. */
export function isFeatureAttributionOutput(value: FeatureAttributionOutput | SequenceAttribution): value is FeatureAttributionOutput {
  return Array.isArray((value as FeatureAttributionOutput).sequence_attributions);
}
