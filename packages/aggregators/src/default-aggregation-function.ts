/**
 * Methods whose trailing axes are not a hidden size but model units (layers, heads), which Inseq
 * averages by default (`MultiDimensionalFeatureAttributionSequenceOutput` sets the `mean`
 * aggregator for each extra dimension, `inseq/data/attribution.py`): `attention`
 * `[len, nSteps, layers, heads]` and `value_zeroing` `[len, nSteps, layers]`.
 */
const MEAN_OVER_UNITS: ReadonlySet<string> = new Set(['attention', 'value_zeroing']);

/**
 * The aggregation function Inseq applies by default to the trailing axes of a method's
 * attributions before showing them: `'mean'` for the multi-dimensional methods above (a vector
 * norm of attention weights would not be an attention weight), `'vnorm'` for everything else
 * (gradient methods' hidden size). Keyed by method id, the `attribution_method` of an output's
 * `info`; an unknown or missing id gives `'vnorm'`.
 */
export function defaultAggregationFunction(method: string | undefined): string {
  return method !== undefined && MEAN_OVER_UNITS.has(method) ? 'mean' : 'vnorm';
}
