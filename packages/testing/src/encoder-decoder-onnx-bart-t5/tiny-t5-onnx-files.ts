import { type TinyT5Options, createTinyT5 } from '../encoder-decoder/create-tiny-t5';
import { type Seq2SeqDecoderOnnxOptions, seq2seqOnnxFolder } from './seq2seq-onnx-interface';
import { t5OnnxModelSpecs } from './t5-onnx-model-specs';
import { cachedFixture } from '../fixture-cache';

/** Options of {@link tinyT5OnnxFiles}: the weights' options and which decoder graphs to export. */
export interface TinyT5OnnxOptions extends TinyT5Options, Seq2SeqDecoderOnnxOptions {}

/**
 * The tiny T5 of {@link createTinyT5} (same options, same weights) as a transformers.js / Optimum
 * folder: `config.json`, `generation_config.json`, `tokenizer.json`, `tokenizer_config.json` (the
 * bytes of `createTinyT5(options).files`), `onnx/encoder_model.onnx`, `onnx/decoder_model.onnx`
 * and, with `withPast`, `onnx/decoder_with_past_model.onnx`, with `merged`,
 * `onnx/decoder_model_merged.onnx` ({@link t5OnnxModelSpecs}).
 */
export function tinyT5OnnxFiles(options: TinyT5OnnxOptions = {}): Record<string, Uint8Array> {
  return cachedFixture('tinyT5OnnxFiles', options, () => {
    const { withPast, merged, outputAttentions, ...model } = options;
    const { files, weights, config } = createTinyT5(model);
    return seq2seqOnnxFolder(files, t5OnnxModelSpecs(weights, config, { withPast, merged, outputAttentions }));
  });
}
