export * from '@inseq/core';
export * from '@inseq/methods';
export * from '@inseq/aggregators';
export * from '@inseq/viz';
export { aggregateAttributionScores, type AggregateAttributionScoresOptions } from './aggregate-attribution-scores';
export { attribute } from './attribute';
export { createDefaultRegistries, type DefaultRegistries } from './default-registries';
export { installedBackends, loadModel, type LoadModelOptions } from './load-model';
export {
  type EvaluationCase,
  decisiveRange,
  parseEvaluationCases,
  readEvaluationCases,
} from './evaluation-cases';
export {
  type CaseMethodRecord,
  type CaseRecord,
  type EvaluateFaithfulnessOptions,
  type EvaluationProgress,
  type FaithfulnessEvaluation,
  RANDOM_BASELINE,
  evaluateFaithfulness,
} from './evaluate-faithfulness';
export { chanceHit, erasureInputs, positionsOfCharacters, rankPositions } from './faithfulness-metrics';
export { attributeContext } from './context/attribute-context';
export type { AttributeContextArgs, AttributeContextOutput, CciOutput, ContextPrompter, OutputContextStrategy } from './context/attribute-context-types';
export { outputContextCandidate } from './context/output-context';
export { type SelectTokensOptions, selectTokens } from './context/select-tokens';
export { renderContextHtml, renderContextTerminal } from './context/render-context';
