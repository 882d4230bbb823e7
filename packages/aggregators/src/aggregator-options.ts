import { type Aggregator, defineOptions, jsonOption, type Registry } from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { createAggregationFunctionRegistry } from './functions/register-builtin-aggregation-functions';
import { parseNormOrder } from './functions/vnorm';

/** `aggregate_fn`: an aggregation function id of `functions` (a string option with its ids as allowed values). */
export function aggregateFnOption<const D extends string>(functions: Registry<AggregationFunction>, fallback: D, description: string) {
  return { type: 'string', default: fallback, values: functions.list(), description } as const;
}

/**
 * The options the `spans`, `subwords` and `split` aggregators share (how merged tokens are
 * reduced), in Inseq's snake_case; function ids are checked against `functions` when parsed.
 */
export function mergeOptionSpecs(functions: Registry<AggregationFunction>) {
  const known = functions.list();
  return defineOptions({
    aggregate_fn: aggregateFnOption(functions, 'absmax', 'Aggregation function that merges the attributions of a span (and unlisted step scores).'),
    step_scores_fn: jsonOption({
      expected: `an object of step score id → aggregation function id (${known.join(', ')})`,
      parse: (value: unknown): Record<string, string> | undefined =>
        typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((id) => typeof id === 'string' && functions.has(id))
          ? { ...(value as Record<string, string>) }
          : undefined,
      description: 'Aggregation function per step score id, over the defaults (prod for probability, sum for entropy, …).',
    }),
    vnorm_ord: vnormOrdOption(),
  });
}

/** `vnorm_ord`: the order handed to `vnorm` (its `ord`) when it is one of the functions used. */
export function vnormOrdOption() {
  return jsonOption({
    expected: "a number > 0 (1, 2, …) or 'inf'",
    parse: parseNormOrder,
    description: "Order of vnorm when vnorm is used (vnorm's ord): 1, 2, 'inf' or any p > 0; default 2.",
  });
}

/** A list of token strings (`special_tokens`); undefined otherwise. */
export function parseStrings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? [...value] : undefined;
}

type Factory = (functions: Registry<AggregationFunction>) => Aggregator;
const factories = new WeakMap<Aggregator, Factory>();

/**
 * Makes a factory of aggregators that look aggregation functions up in a registry: its products
 * remember it, so that a pipeline given its own functions ({@link withAggregationFunctions})
 * rebuilds them over those (function ids are then checked against that registry when parsed).
 */
export function aggregatorOverFunctions<A>(factory: (functions: Registry<AggregationFunction>) => A): (functions?: Registry<AggregationFunction>) => A {
  const create = (functions: Registry<AggregationFunction> = createAggregationFunctionRegistry()): A => {
    const aggregator = factory(functions);
    factories.set(aggregator as Aggregator, create as Factory);
    return aggregator;
  };
  return create;
}

/** `aggregator` rebuilt over `functions` when it was made by {@link aggregatorOverFunctions}, else itself. */
export function withAggregationFunctions(aggregator: Aggregator, functions: Registry<AggregationFunction>): Aggregator {
  return factories.get(aggregator)?.(functions) ?? aggregator;
}
