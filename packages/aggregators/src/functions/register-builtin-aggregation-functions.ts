import { createRegistry, type Registry } from '@inseq/core';
import type { AggregationFunction } from '../aggregation-function';
import { absmax } from './absmax';
import { max } from './max';
import { mean } from './mean';
import { min } from './min';
import { prod } from './prod';
import { sum } from './sum';
import { vnorm } from './vnorm';

/** Every aggregation function that ships with `@inseq/aggregators`, in listing order. */
export const builtinAggregationFunctions: readonly AggregationFunction[] = [vnorm, absmax, sum, mean, max, min, prod];

/** Adds the built-in aggregation functions to `registry` (explicitly; importing registers nothing). */
export function registerBuiltinAggregationFunctions(registry: Registry<AggregationFunction>): Registry<AggregationFunction> {
  for (const aggregationFunction of builtinAggregationFunctions) registry.register(aggregationFunction);
  return registry;
}

/** A new registry holding the built-in aggregation functions; add your own with `register`. */
export function createAggregationFunctionRegistry(): Registry<AggregationFunction> {
  return registerBuiltinAggregationFunctions(createRegistry<AggregationFunction>('aggregation function'));
}
