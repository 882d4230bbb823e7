import type { Aggregator, Registry } from '@inseq/core';
import { pairAggregator } from './pair-aggregator';
import { scoresAggregator } from './scores-aggregator';
import { slicesAggregator } from './slices-aggregator';
import { spansAggregator } from './spans-aggregator';
import { splitAggregator } from './split-aggregator';
import { subwordsAggregator } from './subwords-aggregator';

/** Every aggregator that ships with `@inseq/aggregators`, in listing order. */
export const builtinAggregators: readonly Aggregator[] = [
  scoresAggregator,
  spansAggregator,
  subwordsAggregator,
  splitAggregator,
  pairAggregator,
  slicesAggregator,
];

/** Adds the built-in aggregators to `registry` (explicitly; importing registers nothing). */
export function registerBuiltinAggregators(registry: Registry<Aggregator>): Registry<Aggregator> {
  for (const aggregator of builtinAggregators) registry.register(aggregator);
  return registry;
}
