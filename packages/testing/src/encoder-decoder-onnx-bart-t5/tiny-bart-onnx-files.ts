import { type TinyBartOptions, createTinyBart } from '../encoder-decoder/create-tiny-bart';
import { bartOnnxModelSpecs } from './bart-onnx-model-specs';
import { type Seq2SeqDecoderOnnxOptions, seq2seqOnnxFolder } from './seq2seq-onnx-interface';
import { cachedFixture } from '../fixture-cache';

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
  return cachedFixture('tinyBartOnnxFiles', options, () => {
    const { withPast, merged, outputAttentions, ...model } = options;
    const { files, weights, config } = createTinyBart(model);
    return seq2seqOnnxFolder(files, bartOnnxModelSpecs(weights, config, { withPast, merged, outputAttentions }));
  });
}
