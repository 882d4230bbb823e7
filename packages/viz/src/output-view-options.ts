import { defaultAggregationFunction } from '@inseq/aggregators';
import type { FeatureAttributionOutput } from '@inseq/core';
import type { HeatmapViewOptions } from './build-heatmap-view';

/**
 * View options for the sequences of `output`: the caller's, with `aggregateFn` defaulting to
 * what Inseq uses for the method that produced it (`info.attribution_method`): `mean` over
 * layers and heads for `attention`, `vnorm` over the hidden size for gradient methods.
 */
export function outputViewOptions(output: FeatureAttributionOutput, options?: HeatmapViewOptions): HeatmapViewOptions {
  const method = output.info.attribution_method;
  return { ...options, aggregateFn: options?.aggregateFn ?? defaultAggregationFunction(typeof method === 'string' ? method : undefined) };
}
