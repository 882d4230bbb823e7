import type { Registry } from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { createAggregationFunctionRegistry } from './functions/register-builtin-aggregation-functions';

/**
 * The aggregation function called `name` in `functions`, or among the built-ins when no registry
 * is given. An unknown name throws `UnknownIdError` listing the known ones.
 */
export function resolveAggregationFunction(name: string, functions?: Registry<AggregationFunction>): AggregationFunction {
  return (functions ?? createAggregationFunctionRegistry()).get(name);
}
