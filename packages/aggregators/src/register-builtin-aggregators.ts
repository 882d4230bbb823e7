import type { Aggregator, Registry } from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { pairAggregator } from './pair-aggregator';
import { createScoresAggregator, scoresAggregator } from './scores-aggregator';
import { slicesAggregator } from './slices-aggregator';
import { createSpansAggregator, spansAggregator } from './spans-aggregator';
import { createSplitAggregator, splitAggregator } from './split-aggregator';
import { createSubwordsAggregator, subwordsAggregator } from './subwords-aggregator';

/** Every aggregator that ships with `@inseq/aggregators`, in listing order (over the built-in aggregation functions). */
export const builtinAggregators: readonly Aggregator[] = [
  scoresAggregator,
  spansAggregator,
  subwordsAggregator,
  splitAggregator,
  pairAggregator,
  slicesAggregator,
];

/**
 * Adds the built-in aggregators to `registry` (explicitly; importing registers nothing). With
 * `functions`, those that look aggregation functions up (`scores`, `spans`, `subwords`, `split`)
 * use that registry, and their `aggregate_fn` accepts its ids.
 */
export function registerBuiltinAggregators(registry: Registry<Aggregator>, functions?: Registry<AggregationFunction>): Registry<Aggregator> {
  const aggregators = functions
    ? [createScoresAggregator(functions), createSpansAggregator(functions), createSubwordsAggregator(functions), createSplitAggregator(functions), pairAggregator, slicesAggregator]
    : builtinAggregators;
  for (const aggregator of aggregators) registry.register(aggregator);
  return registry;
}
