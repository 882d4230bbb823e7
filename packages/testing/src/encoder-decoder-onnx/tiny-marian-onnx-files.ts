import { type TinyMarianOptions, createTinyMarian } from '../encoder-decoder/create-tiny-marian';
import { encodeOnnxModel } from '../encode-onnx-model';
import { marianDecoderOnnxSpec } from './marian-decoder-onnx-spec';
import { marianEncoderOnnxSpec } from './marian-encoder-onnx-spec';

/** Options of {@link tinyMarianOnnxFiles}: the weights' options and which graphs to export. */
export interface TinyMarianOnnxOptions extends TinyMarianOptions {
  /** Also write `onnx/decoder_with_past_model.onnx` (the decoder fed one step with a KV cache). @defaultValue false */
  withPast?: boolean;
  /** Also write `onnx/decoder_model_merged.onnx` (the merged decoder's interface, with `use_cache_branch`). @defaultValue false */
  merged?: boolean;
  /** Add `decoder_attentions.{i}` and `cross_attentions.{i}` outputs to the decoder graphs and `encoder_attentions.{i}` to the encoder's. @defaultValue false */
  outputAttentions?: boolean;
}

/**
 * The tiny Marian of {@link createTinyMarian} (same options, same weights) as a transformers.js /
 * Optimum folder: `config.json`, `generation_config.json`, `tokenizer.json`,
 * `tokenizer_config.json` (the bytes of `createTinyMarian(options).files`), `onnx/encoder_model.onnx`
 * ({@link marianEncoderOnnxSpec}), `onnx/decoder_model.onnx` ({@link marianDecoderOnnxSpec}) and,
 * with `withPast`, `onnx/decoder_with_past_model.onnx`; with `merged`, `onnx/decoder_model_merged.onnx`.
 */
export function tinyMarianOnnxFiles(options: TinyMarianOnnxOptions = {}): Record<string, Uint8Array> {
  const { withPast, merged, outputAttentions, ...model } = options;
  const { files, weights, config } = createTinyMarian(model);
  const out: Record<string, Uint8Array> = {
    'config.json': files['config.json'],
    'generation_config.json': files['generation_config.json'],
    'tokenizer.json': files['tokenizer.json'],
    'tokenizer_config.json': files['tokenizer_config.json'],
    'onnx/encoder_model.onnx': encodeOnnxModel(marianEncoderOnnxSpec(weights, config, { outputAttentions })),
    'onnx/decoder_model.onnx': encodeOnnxModel(marianDecoderOnnxSpec(weights, config, { outputAttentions })),
  };
  if (withPast) out['onnx/decoder_with_past_model.onnx'] = encodeOnnxModel(marianDecoderOnnxSpec(weights, config, { withPast: true, outputAttentions }));
  if (merged) out['onnx/decoder_model_merged.onnx'] = encodeOnnxModel(marianDecoderOnnxSpec(weights, config, { merged: true, outputAttentions }));
  return out;
}
