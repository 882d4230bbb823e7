export type { IntTensor, Tensor } from './tensor';
export { createTensor, intTensorFromRows, shapeSize, tensorRow } from './tensor';

export { InseqError, type InseqErrorCode, type InseqErrorOptions } from './errors/inseq-error';
export { UnknownIdError } from './errors/unknown-id-error';
export { InvalidInputError, type InvalidInputErrorCode } from './errors/invalid-input-error';
export { ModelLoadError, type ModelLoadErrorCode } from './errors/model-load-error';
export { MissingCapabilityError } from './errors/missing-capability-error';
export { BackendError } from './errors/backend-error';
export { escapeUntrusted, quoteUntrusted, untrustedJson } from './errors/quote-untrusted';

export { createRegistry, type Named, readonlyRegistry, type RegisterOptions, type Registry } from './registry';

export type { GenerationConfig, ModelConfig } from './contracts/model-config';
export type { ArchitectureKind, ModelArchitecture } from './contracts/model-architecture';
export { memoryModelFiles, readJsonFile, type ModelFiles } from './contracts/model-files';
export type { ChatMessage, SpecialTokenIds, Tokenizer } from './contracts/tokenizer';
export {
  selectContrastRows,
  type ContrastRows,
  type DifferentiableTarget,
  type TargetContext,
  type TargetOps,
} from './contracts/differentiable-target';
export type {
  AttributionModel,
  BackendLoader,
  BackendLoadOptions,
  Capabilities,
  EncoderInput,
  ForwardInput,
  ForwardOutput,
  GenerateOptions,
  GradientInput,
  GradientOutput,
  LayerIntervention,
  ModelBackend,
} from './contracts/model-backend';
export {
  checkEncoderInput,
  checkForwardInput,
  checkIds,
  checkInputIds,
  type CheckForwardInputOptions,
} from './contracts/check-forward-input';
export { checkLayerIntervention, type CheckLayerInterventionOptions } from './contracts/check-layer-intervention';
export {
  defineMethod,
  parseMethodOptions,
  requireTarget,
  usesEmbeddings,
  type AttributionMethod,
  type BaselineRule,
  type EmbeddingsUse,
  type MethodFamily,
  type SequenceAttributionResult,
  type SequenceContext,
  type StepAttribution,
  type StepContext,
} from './contracts/attribution-method';
export { defineStepFunction, parseStepFunctionOptions, type StepFunction, type StepScoreContext } from './contracts/step-function';

export { type StepAttributionOutput, stepAttributionsOf } from './data/step-attributions';
export type {
  FeatureAttributionOutput,
  SequenceAttribution,
  TokenWithId,
} from './data/feature-attribution-output';

export { logit } from './step-functions/logit';
export { probability } from './step-functions/probability';
export { entropy } from './step-functions/entropy';
export { crossentropy } from './step-functions/crossentropy';
export { perplexity } from './step-functions/perplexity';
export { contrastLogits } from './step-functions/contrast-logits';
export { contrastProb } from './step-functions/contrast-prob';
export { contrastLogitsDiff } from './step-functions/contrast-logits-diff';
export { contrastProbDiff } from './step-functions/contrast-prob-diff';
export { pcxmi } from './step-functions/pcxmi';
export { klDivergence } from './step-functions/kl-divergence';
export { inContextPvi } from './step-functions/in-context-pvi';
export { mcDropoutProbAvg } from './step-functions/mc-dropout-prob-avg';
export { topPSize } from './step-functions/top-p-size';
export { builtinStepFunctions, registerBuiltinStepFunctions } from './step-functions/register-builtin-step-functions';

export { loadTokenizer } from './io/hf-tokenizer';
export { localModelFiles } from './io/local-model-files';
export { defineAggregator, parseAggregatorOptions, type Aggregator } from './contracts/aggregator';

export { attribute } from './loop/attribute';
export type { AttributeOptions, AttributeProgress } from './loop/attribute-options';
export { checkCapabilities } from './loop/check-capabilities';
export { parseSharedStepScoresArgs } from './loop/parse-step-scores-args';
export { padLeft, type PaddedBatch } from './loop/pad-left';
export { OUTPUT_FORMAT, OUTPUT_FORMAT_VERSION, outputFromJson, outputToJson } from './io/serialize-output';
export { saveOutput, writeFileAtomic } from './io/save-output';
export { loadOutput, type LoadOutputOptions } from './io/load-output';
export {
  type BooleanOption,
  checkOptionsObject,
  defineOptions,
  describeConstraint,
  describeOptions,
  type JsonOption,
  jsonOption,
  type NumberOption,
  type OptionDescription,
  type OptionSpec,
  type OptionSpecs,
  type ParsedOptions,
  parseOptions,
  type StringOption,
  unknownOptionMessage,
} from './contracts/option-spec';
export { closestName, editDistance } from './contracts/closest-name';
export { definePlugin, type InseqPlugin, type PluginRegistries } from './contracts/inseq-plugin';
export { modelConfigFromHf } from './io/model-config-from-hf';
export { checkModelFolder } from './io/check-model-folder';
export { readGenerationConfig } from './io/read-generation-config';
export { type ModelWeights, type ReadModelWeightsOptions, readModelWeights } from './io/model-weights/read-model-weights';
export {
  type ModelWeightsLocation,
  locateModelWeights,
  singleWeightsFile,
  weightsIndexFile,
} from './io/model-weights/locate-model-weights';
export { type SafetensorsIndex, parseSafetensorsIndex } from './io/model-weights/safetensors-index';
export {
  type NonFiniteCount,
  type NonFiniteTensor,
  type NonFiniteWeightsOptions,
  countNonFinite,
  emptyNonFiniteCount,
  isBadNonFiniteCount,
  reportNonFiniteWeights,
} from './io/model-weights/non-finite-weights';
export { isPickleWeightsFile, pickleWeightsMessage } from './io/model-weights/pickle-weights-message';
export { float16BitsToFloat32, float32ToFloat16Bits } from './numeric/float16';

export { decodeToken } from './data/decode-token';
export { decodeTokens, type DecodeTokensOptions, type TokenScheme } from './data/decode-tokens';
export { displayToken } from './data/display-token';
export { MERGE_MATCH_INFO_FIELDS, mergeOutputs } from './data/merge-outputs';
export { selectSequences } from './data/select-sequences';
export { sliceSequence, type PositionRange } from './data/slice-sequence';
export { weightAttributions } from './data/weight-attributions';
export { getScoresDicts, type ScoresDict, type ScoresDictOptions } from './data/get-scores-dicts';
export { float8E4m3BitsToFloat32, float32ToFloat8E4m3Bits, FLOAT8_E4M3_MAX, type Float8EncodeOptions } from './numeric/float8-e4m3';
export {
  decodeSafetensors,
  type DecodeSafetensorsOptions,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './io/safetensors/decode-safetensors';
export { encodeSafetensors, type SafetensorsTensorInput } from './io/safetensors/encode-safetensors';
export { decodeTensorData } from './io/safetensors/decode-tensor-data';
export { isSafetensorsDtype, safetensorsDtypeSizes, type SafetensorsDtype } from './io/safetensors/safetensors-dtype';
export { type ScoresPrecision, scoresPrecisions } from './io/scores-precision';
export { type OutputFileFormat, detectOutputFormat, outputFileFormats } from './io/output-file-format';
export type { OutputToJsonOptions } from './io/serialize-output';
export { outputFromInseqJson } from './io/inseq-python/output-from-inseq-json';
export { outputToInseqJson, type OutputToInseqJsonOptions } from './io/inseq-python/output-to-inseq-json';
export { outputFromBytes, type OutputFromBytesOptions } from './io/output-from-bytes';
export { outputToBytes, type OutputToBytesOptions } from './io/output-to-bytes';
export { outputFileContents, outputOfSequence, type SaveOutputOptions, splitSequencePath } from './io/save-output';
export {
  checkOutputPaths,
  type OutputFileContent,
  type OutputPathRequest,
  type OutputTarget,
  type OutputTargetKind,
  writeOutputFiles,
  type WriteOutputFilesOptions,
} from './io/write-output-files';
export { DEFAULT_MAX_OUTPUT_BYTES, type GunzipOptions, gunzip, gzip, isGzip } from './io/gzip';
export { ProtobufWriter } from './io/protobuf/protobuf-writer';
