export {
  type EvaluationCase,
  type EvaluationCaseCounts,
  type Phenomenon,
  PHENOMENA,
  PHENOMENON_WEIGHTS,
  evaluationCases,
  isHeldOutPair,
  trainingSentences,
} from './corpus/generate-corpus';
export { ACQUIRE_VERBS, ADJECTIVES, CAPITALS, NAMES, NOUNS, OCCUPATIONS, PREPOSITIONS, STATES, THINGS } from './corpus/vocabulary';
export { type DemoModelAccuracy, measureDemoModel } from './measure-demo-model';
export { type ModelCardFacts, accuracyByPhenomenon, renderModelCard } from './model-card';
export { type ByteLevelBpe, byteLevelBpeTokenizerFiles, byteLevelPretokens, trainByteLevelBpe } from './tokenizer/train-byte-level-bpe';
export { DEMO_MODEL_RECIPE, type DemoModelRecipe, type ModelFolderFiles, type TrainedDemoModel, gpt2Config, trainDemoModel } from './train-demo-model';
export { type TokenBatch, type TrainRecipe, type TrainStep, learningRateAt, packBatch, trainGpt2 } from './train/train-gpt2';
export { type Gpt2Shape, type TrainableGpt2, createTrainableGpt2, maskedCrossEntropy } from './train/trainable-gpt2';
export { DEMO_EXAMPLES, type DemoModelReport, countParameters, writeDemoModel } from './write-demo-model';
