import { createTinyGpt2 } from './create-tiny-gpt2';
import { encodeOnnxModel } from './encode-onnx-model';
import { gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';
import { mergeDecodersOnnxModel } from './merge-decoders-onnx-model';
import type { OnnxModelSpec } from './onnx-model-spec';
import { splitTinyGpt2OnnxOptions, type TinyGpt2OnnxOptions } from './tiny-gpt2-onnx-options';
import { toFloat16OnnxModel } from './to-float16-onnx-model';
import { cachedFixture } from './fixture-cache';

/** Options of {@link tinyGpt2MergedOnnxFiles}. */
export interface TinyGpt2MergedOnnxOptions extends Pick<TinyGpt2OnnxOptions, 'outputAttentions' | 'seed'> {
  /** Folder of the graphs: `'onnx/'` (transformers.js repositories) or `''` (Optimum's root). @defaultValue 'onnx/' */
  folder?: 'onnx/' | '';
  /** Also write the two graphs the merged one joins, `decoder_model.onnx` and `decoder_with_past_model.onnx`. @defaultValue false */
  parts?: boolean;
  /**
   * Write the float16 export (`decoder_model_merged_fp16.onnx`: each decoder through
   * `toFloat16OnnxModel`, then merged) instead of float32. @defaultValue false
   */
  fp16?: boolean;
}

/**
 * The tiny GPT-2 of {@link createTinyGpt2} as older Optimum exports and transformers.js
 * repositories of GPT-2 hold it: `config.json`, `generation_config.json`, `tokenizer.json`,
 * `tokenizer_config.json` and `decoder_model_merged.onnx` (in `onnx/` by default), an `If` on
 * `use_cache_branch` between the decoder with a cache and the one without
 * ({@link mergeDecodersOnnxModel}); no `model.onnx`. With `parts`, also `decoder_model.onnx`
 * (no cache inputs, returns `present.*`) and `decoder_with_past_model.onnx`.
 */
export function tinyGpt2MergedOnnxFiles(options: TinyGpt2MergedOnnxOptions = {}): Record<string, Uint8Array> {
  return cachedFixture('tinyGpt2MergedOnnxFiles', options, () => {
    const { folder = 'onnx/', parts = false, fp16 = false, ...rest } = options;
    const { model, graph } = splitTinyGpt2OnnxOptions(rest);
    const { files, weights, config } = createTinyGpt2(model);
    const noPast = gpt2OnnxModelSpec(weights, config, { ...graph, outputPresent: true });
    const withPast = gpt2OnnxModelSpec(weights, config, { ...graph, withPast: true });
    const dtype = (spec: OnnxModelSpec) => (fp16 ? toFloat16OnnxModel(spec) : spec);
    const suffix = fp16 ? '_fp16' : '';
    return {
      'config.json': files['config.json'],
      'generation_config.json': files['generation_config.json'],
      'tokenizer.json': files['tokenizer.json'],
      'tokenizer_config.json': files['tokenizer_config.json'],
      [`${folder}decoder_model_merged${suffix}.onnx`]: encodeOnnxModel(mergeDecodersOnnxModel(dtype(noPast), dtype(withPast))),
      ...(parts && {
        [`${folder}decoder_model${suffix}.onnx`]: encodeOnnxModel(dtype(noPast)),
        [`${folder}decoder_with_past_model${suffix}.onnx`]: encodeOnnxModel(dtype(withPast)),
      }),
    };
  });
}
