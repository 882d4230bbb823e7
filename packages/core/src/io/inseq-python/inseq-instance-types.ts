/**
 * The `__instance_type__` pairs (`[module, class]`) that Python Inseq's JSON encoder writes and its
 * decoder imports (`inseq/utils/serialization.py`, `class_instance_hook`): the decoder imports
 * `module` and looks `class` up in it, so these must name importable Inseq classes.
 */
export const INSEQ_OUTPUT_TYPE = Object.freeze(['inseq.data.attribution', 'FeatureAttributionOutput'] as const);
export const INSEQ_TOKEN_TYPE = Object.freeze(['inseq.utils.typing', 'TokenWithId'] as const);
export const INSEQ_ATTRIBUTION_MODULE = 'inseq.data.attribution';

/**
 * The sequence class for an attribution tensor of `rank` dims, as Inseq's methods produce them:
 * `[source, steps]` per-token scores, `[source, steps, hidden]` gradient-like scores (aggregated
 * with a vector norm), `[source, steps, layers, heads]`-like multi-dimensional scores (attention).
 */
export function inseqSequenceClass(rank: number): string {
  if (rank <= 2) return 'FeatureAttributionSequenceOutput';
  if (rank === 3) return 'GranularFeatureAttributionSequenceOutput';
  return 'MultiDimensionalFeatureAttributionSequenceOutput';
}

/** Class names accepted in each structural position when reading. */
export const inseqClassPatterns = Object.freeze({
  output: /^FeatureAttributionOutput$/,
  sequence: /FeatureAttributionSequenceOutput$/,
  step: /FeatureAttributionStepOutput$/,
  token: /^TokenWithId$/,
});
