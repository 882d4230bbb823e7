import { createTinyGpt2 } from './create-tiny-gpt2';
import { encodeOnnxModel } from './encode-onnx-model';
import { gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';
import { type TinyGpt2OnnxOptions, splitTinyGpt2OnnxOptions } from './tiny-gpt2-onnx-options';

/**
 * The tiny GPT-2 of {@link createTinyGpt2} as a transformers.js / Optimum folder: `config.json`,
 * `generation_config.json`, `tokenizer.json`, `tokenizer_config.json` (the same bytes as
 * `createTinyGpt2(options).files`) and `onnx/model.onnx` (as {@link createTinyGpt2Onnx} with the
 * same options, so `withPast` / `outputAttentions` choose the graph variant).
 */
export function tinyGpt2OnnxFiles(options?: TinyGpt2OnnxOptions): Record<string, Uint8Array> {
  const { model, graph } = splitTinyGpt2OnnxOptions(options);
  const { files, weights, config } = createTinyGpt2(model);
  return {
    'config.json': files['config.json'],
    'generation_config.json': files['generation_config.json'],
    'tokenizer.json': files['tokenizer.json'],
    'tokenizer_config.json': files['tokenizer_config.json'],
    'onnx/model.onnx': encodeOnnxModel(gpt2OnnxModelSpec(weights, config, graph)),
  };
}
