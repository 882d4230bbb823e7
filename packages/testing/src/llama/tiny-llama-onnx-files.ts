import { encodeOnnxModel } from '../encode-onnx-model';
import { createTinyLlama, type TinyLlamaOptions } from './create-tiny-llama';
import { type LlamaOnnxGraphOptions, llamaOnnxModelSpec } from './llama-onnx-model-spec';
import { cachedFixture } from '../fixture-cache';

/**
 * The tiny Llama-family model of {@link createTinyLlama} as a transformers.js folder: its
 * `config.json`, `generation_config.json`, tokenizer files and `onnx/model.onnx` (same weights,
 * graph of {@link llamaOnnxModelSpec}).
 */
export function tinyLlamaOnnxFiles(options: TinyLlamaOptions & LlamaOnnxGraphOptions = {}): Record<string, Uint8Array> {
  return cachedFixture('tinyLlamaOnnxFiles', options, () => {
    const { withPast, outputAttentions, ...model } = options;
    const { files, weights, config } = createTinyLlama(model);
    const { 'model.safetensors': _weights, ...rest } = files;
    return { ...rest, 'onnx/model.onnx': encodeOnnxModel(llamaOnnxModelSpec(weights, config, { withPast, outputAttentions })) };
  });
}
