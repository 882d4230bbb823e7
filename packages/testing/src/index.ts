export { type TinyGpt2, createTinyGpt2 } from './create-tiny-gpt2';
export type { TinyGpt2Options } from './tiny-gpt2-options';
export type { NamedWeight } from './named-weight';
export { tinyGpt2ModelFiles } from './tiny-gpt2-model-files';
export { writeTinyGpt2 } from './write-tiny-gpt2';
export { createTinyGpt2Onnx } from './create-tiny-gpt2-onnx';
export { tinyGpt2OnnxFiles } from './tiny-gpt2-onnx-files';
export type { TinyGpt2OnnxOptions } from './tiny-gpt2-onnx-options';
export { type Gpt2OnnxGraphOptions, gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';

export { encodeOnnxModel } from './encode-onnx-model';
export {
  type OnnxAttributeValue,
  type OnnxDataTypeName,
  type OnnxModelSpec,
  type OnnxNodeSpec,
  type OnnxTensorSpec,
  type OnnxValueInfoSpec,
  onnxDataType,
} from './onnx-model-spec';
export { ProtobufWriter } from '@inseq/core';

export { encodeSafetensors, type SafetensorsTensorInput } from './encode-safetensors';
export type { SafetensorsDtype } from './safetensors-dtype';
export {
  buildGpt2TokenizerJson,
  type Gpt2TokenizerJson,
  type Gpt2TokenizerJsonOptions,
} from './build-gpt2-tokenizer-json';

export {
  referenceGpt2Forward,
  type ReferenceGpt2ForwardOptions,
  type ReferenceGpt2Output,
} from './reference-gpt2-forward';

export { createRng, type Rng } from './create-rng';
export { maxAbsDiff } from './max-abs-diff';
export { cachedFixture, clearFixtureCache, fixtureKey } from './fixture-cache';
export { centralDifference } from './central-difference';

export { type LinearModel, type LinearModelOptions, linearModel } from './linear-model';
export { gradientSequence, gradientSequenceColumnSums, gradientSequenceNorms } from './gradient-sequence-fixture';
export { type AttentionLinearModel, type AttentionLinearModelOptions, attentionLinearModel } from './attention-linear-model';

// runBackendConformance declares a vitest suite: it lives in '@inseq/testing/vitest' so this entry never imports vitest.
export {
  type CompletenessOptions,
  type ConformanceArchitecture,
  type ConformanceCheck,
  type ConformanceCheckName,
  type ConformanceModelsOptions,
  type ConformanceStatus,
  type ConformanceText,
  MethodConformanceError,
  type MethodConformanceOptions,
  type MethodConformanceReport,
  conformanceCheckNames,
  conformanceModels,
  formatConformanceReport,
  runMethodConformance,
} from './method-conformance/index';

// Browser tests: launchChromium, whose Browser type is playwright-core's, lives in '@inseq/testing/browser'
// so this entry's types never name playwright-core (an optional peer dependency).
export { type ChromiumLookup, browserTestSkipReason, debianChromiumPath, findChromium } from './browser/find-chromium';
export { type RequestSource, recordPageRequests, requestsOutside } from './browser/page-requests';
export {
  type StaticFile,
  type StaticServer,
  type StaticServerOptions,
  startStaticServer,
  staticMimeType,
  staticMimeTypes,
} from './browser/static-server';
export { encodeOnnxModelWithExternalData, type OnnxExternalDataOptions } from './encode-onnx-model';
export { toFloat16OnnxModel } from './to-float16-onnx-model';
export { type QuantizeDynamicOptions, quantizeDynamicOnnxModel } from './quantize-dynamic-onnx-model';
export { type TinyGpt2OnnxDtype, tinyGpt2OnnxDtypeFiles } from './tiny-gpt2-onnx-options';
export { buildLlamaTokenizerJson, type LlamaTokenizerJson, type LlamaTokenizerJsonOptions } from './llama/build-llama-tokenizer-json';
export { createTinyLlama, type LlamaFamily, type RopeScaling, type TinyLlama, type TinyLlamaOptions } from './llama/create-tiny-llama';
export { referenceLlamaForward, ropeInverseFrequencies, type ReferenceLlamaOutput } from './llama/reference-llama-forward';
export { type LlamaOnnxGraphOptions, llamaOnnxModelSpec } from './llama/llama-onnx-model-spec';
export { tinyLlamaOnnxFiles } from './llama/tiny-llama-onnx-files';
export { GraphBuilder } from './onnx-graph-builder';
export type { TinySeq2Seq } from './encoder-decoder/tiny-seq2seq';
export { type TinyMarianOptions, createTinyMarian } from './encoder-decoder/create-tiny-marian';
export { type BartFamily, type TinyBartOptions, createTinyBart } from './encoder-decoder/create-tiny-bart';
export { type T5FeedForwardProj, type TinyT5Options, createTinyT5 } from './encoder-decoder/create-tiny-t5';
export {
  type UnigramTokenizerJson,
  type UnigramTokenizerJsonOptions,
  type UnigramTokenizerLayout,
  buildUnigramTokenizerJson,
  mbartLanguageCodes,
} from './encoder-decoder/build-unigram-tokenizer-json';
export { type BartTokenizerJson, type BartTokenizerJsonOptions, buildBartTokenizerJson } from './encoder-decoder/build-bart-tokenizer-json';
export { referenceEncoderDecoderForward } from './encoder-decoder/reference-encoder-decoder-forward';
export type {
  EncoderDecoderInputs,
  ReferenceEncoderDecoderOptions,
  ReferenceEncoderDecoderOutput,
} from './encoder-decoder/reference-encoder-decoder-output';
export { referenceBartForward } from './encoder-decoder/reference-bart-forward';
export { referenceT5Forward } from './encoder-decoder/reference-t5-forward';
export { marianSinusoidalPositions } from './encoder-decoder/marian-sinusoidal-positions';
export { t5RelativePositionBucket } from './encoder-decoder/t5-relative-position-bucket';
export {
  type EncoderDecoderLinearModel,
  type EncoderDecoderLinearModelOptions,
  encoderDecoderLinearModel,
} from './encoder-decoder-linear-model';
export { type TinyMarianOnnxOptions, tinyMarianOnnxFiles } from './encoder-decoder-onnx/tiny-marian-onnx-files';
export { marianEncoderOnnxSpec } from './encoder-decoder-onnx/marian-encoder-onnx-spec';
export { type MarianDecoderOnnxOptions, marianDecoderOnnxSpec } from './encoder-decoder-onnx/marian-decoder-onnx-spec';
export { type TinyBartOnnxOptions, tinyBartOnnxFiles } from './encoder-decoder-onnx-bart-t5/tiny-bart-onnx-files';
export { type TinyT5OnnxOptions, tinyT5OnnxFiles } from './encoder-decoder-onnx-bart-t5/tiny-t5-onnx-files';
export { bartOnnxModelSpecs } from './encoder-decoder-onnx-bart-t5/bart-onnx-model-specs';
export { t5OnnxModelSpecs } from './encoder-decoder-onnx-bart-t5/t5-onnx-model-specs';
export type { Seq2SeqDecoderOnnxOptions, Seq2SeqOnnxModelSpecs } from './encoder-decoder-onnx-bart-t5/seq2seq-onnx-interface';
export { startHubStandIn } from './hub-stand-in/start-hub-stand-in';
export type {
  HubStandIn,
  HubStandInFault,
  HubStandInFile,
  HubStandInOptions,
  HubStandInRepo,
  HubStandInRequest,
} from './hub-stand-in/hub-stand-in-options';
export {
  type ModelFolder,
  type ShardModelWeightsOptions,
  addWeightPrefix,
  castModelWeights,
  pickleOnlyModel,
  renameModelWeights,
  shardModelWeights,
  stripWeightPrefix,
  vocabMergesTokenizer,
} from './model-layouts/index';
export { type TorchExportOnnxOptions, toTorchExportOnnxModel } from './to-torch-export-onnx-model';
export { tinyGpt2TorchOnnxFiles } from './tiny-gpt2-torch-onnx-files';
export { mergeDecodersOnnxModel } from './merge-decoders-onnx-model';
export { type TinyGpt2MergedOnnxOptions, tinyGpt2MergedOnnxFiles } from './tiny-gpt2-merged-onnx-files';
export type { OnnxGraphSpec } from './onnx-model-spec';
export { writeSafetensorsFile } from './real-shapes/write-safetensors-file';
export { writeOnnxModelWithExternalData } from './real-shapes/write-onnx-model-file';
export { type RandomFolderOptions, writeRandomGpt2Folder } from './real-shapes/write-random-gpt2-folder';
export { writeRandomLlamaFolder } from './real-shapes/write-random-llama-folder';
export { gpt2SmallShape, qwen25HalfBShape } from './real-shapes/real-shape-presets';
export { type RedisInstance, type StartRedisOptions, debianRedisServerPath, freePort, redisTestSkipReason, startRedis } from './redis';
