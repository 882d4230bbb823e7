/**
 * How the `spans` family (`spans`, `subwords`, `split`) combines the step scores of merged
 * generation steps, by step function id: probabilities multiply (the probability of a word is
 * the product of its subwords' conditional probabilities), entropies and divergences add. Ids
 * not listed use the aggregator's `aggregate_fn` (`absmax` by default). This is Inseq's
 * `DEFAULT_ATTRIBUTION_AGGREGATE_DICT["step_scores"]["spans"]`
 * (`inseq/data/aggregation_functions.py`), `contrast_prob_diff` → `prod` included.
 */
export const spanStepScoreFunctions: Readonly<Record<string, string>> = Object.freeze({
  probability: 'prod',
  entropy: 'sum',
  crossentropy: 'sum',
  perplexity: 'prod',
  contrast_prob_diff: 'prod',
  contrast_prob: 'prod',
  pcxmi: 'sum',
  kl_divergence: 'sum',
  mc_dropout_prob_avg: 'prod',
});

/**
 * The aggregation function id that merges the step score `stepScoreId` over a span: the
 * caller's `overrides` first, then {@link spanStepScoreFunctions}, then `fallback`.
 */
export function stepScoreAggregationFunction(
  stepScoreId: string,
  fallback: string,
  overrides?: Readonly<Record<string, string>>,
): string {
  return overrides?.[stepScoreId] ?? spanStepScoreFunctions[stepScoreId] ?? fallback;
}
