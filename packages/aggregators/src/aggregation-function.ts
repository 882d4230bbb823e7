/**
 * Options an aggregation function may read, passed through from the aggregator that calls it
 * (Inseq passes the aggregator's keyword arguments that match the function's signature), e.g.
 * `vnormOrd` for {@link vnorm}. Functions ignore keys they do not know.
 */
export type AggregationFunctionOptions = Readonly<Record<string, unknown>>;

/**
 * A reduction of a vector of scores to one score (Inseq's `AggregationFunction`): the hidden
 * dimension of a gradient attribution, the subwords of a word, the tokens of a span.
 *
 * Functions are pure and see one contiguous run of values at a time. NaN in gives NaN out, so
 * that positions the model had not yet seen stay NaN after aggregation, except where a function
 * documents otherwise (`absmax` skips NaN).
 */
export interface AggregationFunction {
  /** Inseq's id, snake_case: `'vnorm'`, `'absmax'`. */
  readonly name: string;
  readonly description: string;
  /** Reduces `values` (length ≥ 1) to one number. */
  reduce(values: Float32Array, options?: AggregationFunctionOptions): number;
}

/** Identity helper that types an aggregation function object. */
export function defineAggregationFunction(aggregationFunction: AggregationFunction): AggregationFunction {
  return aggregationFunction;
}
