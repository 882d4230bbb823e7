import type { Aggregator, Registry } from '@inseq/core';
import { scoresAggregator } from './scores-aggregator';

/** Every aggregator that ships with `@inseq/aggregators`, in listing order. */
export const builtinAggregators: readonly Aggregator[] = [scoresAggregator];

/** Adds the built-in aggregators to `registry` (explicitly; importing registers nothing). */
export function registerBuiltinAggregators(registry: Registry<Aggregator>): Registry<Aggregator> {
  for (const aggregator of builtinAggregators) registry.register(aggregator);
  return registry;
}
