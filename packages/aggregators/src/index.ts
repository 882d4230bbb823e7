export {
  defineAggregationFunction,
  type AggregationFunction,
  type AggregationFunctionOptions,
  aggregationFunctionOptions,
} from './aggregation-function';
export { absmax } from './functions/absmax';
export { max } from './functions/max';
export { mean } from './functions/mean';
export { min } from './functions/min';
export { prod } from './functions/prod';
export { sum } from './functions/sum';
export { vnorm } from './functions/vnorm';
export {
  builtinAggregationFunctions,
  createAggregationFunctionRegistry,
  registerBuiltinAggregationFunctions,
} from './functions/register-builtin-aggregation-functions';
export { resolveAggregationFunction } from './resolve-aggregation-function';

export { hasTrailingAxes } from './has-trailing-axes';
export { type SelectIndices, parseSelectIndices, resolveSelectIndices } from './select-indices';
export { aggregateHiddenSize, type AggregateHiddenSizeOptions } from './aggregate-hidden-size';
export { normalizeAttributions } from './normalize-attributions';
export { rescaleAttributions } from './rescale-attributions';
export { defaultAggregate } from './default-aggregate';
export { defaultAggregationFunction } from './default-aggregation-function';

export { type TokenSpan, type TokenSpans, parseTokenSpan, parseTokenSpans, spansToGroups } from './token-span';
export { spanStepScoreFunctions, stepScoreAggregationFunction } from './step-score-aggregation';
export { type MergeSpansOptions, mergeSpans } from './merge-spans';
export { isSpecialToken } from './special-token';
export { type SubwordScheme, type SubwordSpansOptions, detectSubwordScheme, subwordSpans } from './subword-spans';
export { type SplitMode, type SplitSpansOptions, splitSpans } from './split-spans';
export { pairAggregate } from './pair-aggregate';

export { createScoresAggregator, scoresAggregator, type ScoresAggregatorOptions } from './scores-aggregator';
export { createSpansAggregator, spansAggregator, type SpansAggregatorOptions } from './spans-aggregator';
export { createSubwordsAggregator, subwordsAggregator, type SubwordsAggregatorOptions } from './subwords-aggregator';
export { createSplitAggregator, splitAggregator, type SplitAggregatorOptions } from './split-aggregator';
export { pairAggregator, type PairAggregatorOptions } from './pair-aggregator';
export { slicesAggregator, type SlicesAggregatorOptions } from './slices-aggregator';
export { builtinAggregators, registerBuiltinAggregators } from './register-builtin-aggregators';

export {
  type AggregatePipelineOptions,
  type AggregationPipeline,
  type AggregationStep,
  type ResolvedAggregationStep,
  aggregate,
  aggregateOutput,
  applyAggregator,
  defaultPipeline,
  parseAggregationPipeline,
  resolveAggregationPipeline,
} from './aggregation-pipeline';
