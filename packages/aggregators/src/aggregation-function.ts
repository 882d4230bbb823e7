import { type OptionSpecs, type ParsedOptions, parseOptions } from '@inseq/core';

/**
 * Parsed options of an aggregation function (e.g. `{ ord: 1 }` for {@link vnorm}), as
 * {@link aggregationFunctionOptions} makes them from an aggregator's options.
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
export interface AggregationFunction<Spec extends OptionSpecs = OptionSpecs> {
  /** Inseq's id, snake_case: `'vnorm'`, `'absmax'`. */
  readonly name: string;
  readonly description: string;
  /**
   * Its options in Inseq's snake_case (vnorm's `ord`), declared once with the core option spec;
   * parsed once per aggregation by {@link aggregationFunctionOptions}, never per call. @defaultValue {}
   */
  readonly options?: Spec;
  /** Reduces `values` (length ≥ 1) to one number; `options` are parsed (omitted ones take the spec's defaults). */
  reduce(values: Float32Array, options?: Readonly<Partial<ParsedOptions<Spec>>>): number;
}

/** Identity helper that types an aggregation function object, inferring its options from its spec. */
export function defineAggregationFunction<const Spec extends OptionSpecs = Record<never, never>>(
  aggregationFunction: AggregationFunction<Spec>,
): AggregationFunction<Spec> {
  return aggregationFunction;
}

/**
 * The options of `fn` taken from `available` (the values an aggregator holds for its functions,
 * e.g. `{ ord: 1 }` from `vnorm_ord`), as Inseq passes an aggregator's keyword arguments that
 * match the function's signature: keys `fn` does not declare, and `undefined` values, are left
 * out; the rest is parsed against `fn.options` (defaults filled).
 *
 * @throws InvalidInputError for a value the function's spec refuses.
 */
export function aggregationFunctionOptions(fn: AggregationFunction, available?: Readonly<Record<string, unknown>>): AggregationFunctionOptions {
  const spec = fn.options ?? {};
  const given = Object.fromEntries(
    Object.entries(available ?? {}).filter(([key, value]) => Object.hasOwn(spec, key) && value !== undefined),
  );
  return parseOptions(`Aggregation function '${fn.name}'`, given, spec);
}
