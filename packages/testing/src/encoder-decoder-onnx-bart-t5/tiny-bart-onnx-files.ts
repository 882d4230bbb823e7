import { type TinyBartOptions, createTinyBart } from '../encoder-decoder/create-tiny-bart';
import { encodeOnnxModel } from '../encode-onnx-model';
import { bartOnnxModelSpecs } from './bart-onnx-model-specs';
import type { Seq2SeqDecoderOnnxOptions } from './seq2seq-onnx-interface';

/** Options of {@link tinyBartOnnxFiles}: the weights' options and which decoder graphs to export. */
export interface TinyBartOnnxOptions extends TinyBartOptions, Seq2SeqDecoderOnnxOptions {}

/**
 * The tiny BART or mBART of {@link createTinyBart} (same options, same weights) as a
 * transformers.js / Optimum folder: `config.json`, `generation_config.json`, `tokenizer.json`,
 * `tokenizer_config.json` (the bytes of `createTinyBart(options).files`), `onnx/encoder_model.onnx`,
 * `onnx/decoder_model.onnx`, with `withPast` `onnx/decoder_with_past_model.onnx` and with
 * `merged` `onnx/decoder_model_merged.onnx` ({@link bartOnnxModelSpecs}).
 */
export function tinyBartOnnxFiles(options: TinyBartOnnxOptions = {}): Record<string, Uint8Array> {
  const { withPast, merged, outputAttentions, ...model } = options;
  const { files, weights, config } = createTinyBart(model);
  const specs = bartOnnxModelSpecs(weights, config, { withPast, merged, outputAttentions });
  return {
    'config.json': files['config.json'],
    'generation_config.json': files['generation_config.json'],
    'tokenizer.json': files['tokenizer.json'],
    'tokenizer_config.json': files['tokenizer_config.json'],
    'onnx/encoder_model.onnx': encodeOnnxModel(specs.encoder),
    'onnx/decoder_model.onnx': encodeOnnxModel(specs.decoder),
    ...(specs.decoderWithPast && { 'onnx/decoder_with_past_model.onnx': encodeOnnxModel(specs.decoderWithPast) }),
    ...(specs.decoderMerged && { 'onnx/decoder_model_merged.onnx': encodeOnnxModel(specs.decoderMerged) }),
  };
}
