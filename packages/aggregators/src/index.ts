export { defineAggregationFunction, type AggregationFunction } from './aggregation-function';
export { absmax } from './functions/absmax';
export { max } from './functions/max';
export { mean } from './functions/mean';
export { min } from './functions/min';
export { sum } from './functions/sum';
export { vnorm } from './functions/vnorm';
export {
  builtinAggregationFunctions,
  createAggregationFunctionRegistry,
  registerBuiltinAggregationFunctions,
} from './functions/register-builtin-aggregation-functions';
export { resolveAggregationFunction } from './resolve-aggregation-function';

export { hasTrailingAxes } from './has-trailing-axes';
export { aggregateHiddenSize, type AggregateHiddenSizeOptions } from './aggregate-hidden-size';
export { normalizeAttributions } from './normalize-attributions';
export { defaultAggregate } from './default-aggregate';
export { defaultAggregationFunction } from './default-aggregation-function';

export { scoresAggregator, type ScoresAggregatorOptions } from './scores-aggregator';
export { builtinAggregators, registerBuiltinAggregators } from './register-builtin-aggregators';
