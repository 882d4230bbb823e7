import type { Gpt2OnnxGraphOptions } from './gpt2-onnx-model-spec';
import type { TinyGpt2Options } from './tiny-gpt2-options';

/**
 * ONNX export precisions of {@link tinyGpt2OnnxFiles}, named as transformers.js names them:
 * `'fp32'` → `onnx/model.onnx`, `'fp16'` → `onnx/model_fp16.onnx` (Optimum `--dtype fp16` I/O),
 * `'q8'` → `onnx/model_quantized.onnx` (onnxruntime `quantize_dynamic`, uint8 weights).
 */
export type TinyGpt2OnnxDtype = 'fp32' | 'fp16' | 'q8';

/** The file name of each {@link TinyGpt2OnnxDtype} in a transformers.js folder. */
export const tinyGpt2OnnxDtypeFiles: Readonly<Record<TinyGpt2OnnxDtype, string>> = Object.freeze({
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
});

/** Options of {@link createTinyGpt2Onnx} and {@link tinyGpt2OnnxFiles}: the weights' options and the graph variant. */
export interface TinyGpt2OnnxOptions extends TinyGpt2Options, Gpt2OnnxGraphOptions {
  /** Which exports {@link tinyGpt2OnnxFiles} writes (ignored by `createTinyGpt2Onnx`). @defaultValue ['fp32'] */
  onnxDtypes?: readonly TinyGpt2OnnxDtype[];
  /**
   * Store initializers of 1 KiB or more in a data file beside each model (`model.onnx_data`,
   * `model_fp16.onnx_data`, … — the model file's name plus `_data`), as `onnx.save` with
   * `save_as_external_data=True` does (ignored by `createTinyGpt2Onnx`). @defaultValue false
   */
  externalData?: boolean;
}

/** The export choices of {@link tinyGpt2OnnxFiles}, defaults filled in. */
export interface TinyGpt2OnnxExportOptions {
  readonly onnxDtypes: readonly TinyGpt2OnnxDtype[];
  readonly externalData: boolean;
}

/** Splits the graph variant and export choices from the weights' options, so `createTinyGpt2` never sees graph keys. */
export function splitTinyGpt2OnnxOptions(options: TinyGpt2OnnxOptions = {}): {
  model: TinyGpt2Options;
  graph: Gpt2OnnxGraphOptions;
  exports: TinyGpt2OnnxExportOptions;
} {
  const { withPast, outputAttentions, valueZeroing, outputPresent, onnxDtypes, externalData, ...model } = options;
  return { model, graph: { withPast, outputAttentions, valueZeroing, outputPresent }, exports: { onnxDtypes: onnxDtypes ?? ['fp32'], externalData: externalData ?? false } };
}
