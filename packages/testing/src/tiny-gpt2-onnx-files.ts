import { InvalidInputError } from '@inseq/core';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { encodeOnnxModel, encodeOnnxModelWithExternalData } from './encode-onnx-model';
import { gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';
import type { OnnxModelSpec } from './onnx-model-spec';
import { quantizeDynamicOnnxModel } from './quantize-dynamic-onnx-model';
import { type TinyGpt2OnnxDtype, type TinyGpt2OnnxOptions, splitTinyGpt2OnnxOptions, tinyGpt2OnnxDtypeFiles } from './tiny-gpt2-onnx-options';
import { toFloat16OnnxModel } from './to-float16-onnx-model';
import { cachedFixture } from './fixture-cache';

const transforms: Readonly<Record<TinyGpt2OnnxDtype, (model: OnnxModelSpec) => OnnxModelSpec>> = Object.freeze({
  fp32: (model) => model,
  fp16: toFloat16OnnxModel,
  q8: (model) => quantizeDynamicOnnxModel(model),
});

/**
 * The tiny GPT-2 of {@link createTinyGpt2} as a transformers.js / Optimum folder: `config.json`,
 * `generation_config.json`, `tokenizer.json`, `tokenizer_config.json` (the same bytes as
 * `createTinyGpt2(options).files`) and one ONNX file per `onnxDtypes` entry (default
 * `onnx/model.onnx`, as {@link createTinyGpt2Onnx} with the same options, so `withPast` /
 * `outputAttentions` choose the graph variant; `'fp16'` adds `onnx/model_fp16.onnx`, `'q8'`
 * `onnx/model_quantized.onnx`). With `externalData`, each model's large initializers live in
 * `<model file>_data`, e.g. `onnx/model.onnx_data`.
 */
export function tinyGpt2OnnxFiles(options?: TinyGpt2OnnxOptions): Record<string, Uint8Array> {
  return cachedFixture('tinyGpt2OnnxFiles', options, () => {
    const { model, graph, exports } = splitTinyGpt2OnnxOptions(options);
    const { files, weights, config } = createTinyGpt2(model);
    const out: Record<string, Uint8Array> = {
      'config.json': files['config.json'],
      'generation_config.json': files['generation_config.json'],
      'tokenizer.json': files['tokenizer.json'],
      'tokenizer_config.json': files['tokenizer_config.json'],
    };
    const spec = gpt2OnnxModelSpec(weights, config, graph);
    for (const dtype of exports.onnxDtypes) {
      if (!Object.hasOwn(transforms, dtype)) {
        throw new InvalidInputError(`Unknown onnxDtypes entry ${JSON.stringify(dtype)}; valid: ${Object.keys(transforms).join(', ')}.`, { code: 'INVALID_ARGUMENT' });
      }
      const name = tinyGpt2OnnxDtypeFiles[dtype];
      const exported = transforms[dtype](spec);
      if (exports.externalData) {
        const dataName = `${name}_data`;
        const { model: bytes, data } = encodeOnnxModelWithExternalData(exported, dataName.slice('onnx/'.length));
        out[name] = bytes;
        out[dataName] = data;
      } else {
        out[name] = encodeOnnxModel(exported);
      }
    }
    return out;
  });
}
