export { OCCUPATIONS, type Occupation, PRONOUNS, TEMPLATES } from './occupations';
export { type TokenScores, type WordScore, stepTokenScores, wordScores } from './word-scores';
export {
  type BiasCaseStudyOptions,
  type BiasCaseStudyResult,
  type BiasOccupationSummary,
  type BiasPromptResult,
  biasCaseStudyJson,
  runBiasCaseStudy,
} from './run-bias-case-study';
export { renderBiasReport, renderSheRateChart, statedRateColor } from './render-report';
export { DEMO_MODEL, defaultModelPath } from './default-model-path';
export { runCaseStudyCli } from './run-cli';
