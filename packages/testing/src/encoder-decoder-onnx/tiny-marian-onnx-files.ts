import { type TinyMarianOptions, createTinyMarian } from '../encoder-decoder/create-tiny-marian';
import { seq2seqOnnxFolder } from '../encoder-decoder-onnx-bart-t5/seq2seq-onnx-interface';
import { mergeDecodersOnnxModel } from '../merge-decoders-onnx-model';
import { marianDecoderOnnxSpec } from './marian-decoder-onnx-spec';
import { marianEncoderOnnxSpec } from './marian-encoder-onnx-spec';
import { cachedFixture } from '../fixture-cache';

/** Options of {@link tinyMarianOnnxFiles}: the weights' options and which graphs to export. */
export interface TinyMarianOnnxOptions extends TinyMarianOptions {
  /** Also write `onnx/decoder_with_past_model.onnx` (the decoder fed one step with a KV cache). @defaultValue false */
  withPast?: boolean;
  /**
   * Also write `onnx/decoder_model_merged.onnx`: `true` gives the merged decoder's interface (with
   * `use_cache_branch`) computed by one graph with `Slice` / `Concat`; `'if'` gives the graph as
   * Optimum writes it, an `If` on `use_cache_branch` between the decoders with and without a
   * cache ({@link mergeDecodersOnnxModel}). @defaultValue false
   */
  merged?: boolean | 'if';
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
  return cachedFixture('tinyMarianOnnxFiles', options, () => {
    const { withPast, merged, outputAttentions, ...model } = options;
    const { files, weights, config } = createTinyMarian(model);
    const decoder = (variant: { withPast?: boolean; merged?: boolean }) => marianDecoderOnnxSpec(weights, config, { ...variant, outputAttentions });
    return seq2seqOnnxFolder(files, {
      encoder: marianEncoderOnnxSpec(weights, config, { outputAttentions }),
      decoder: decoder({}),
      ...(withPast && { decoderWithPast: decoder({ withPast: true }) }),
      ...(merged === true && { decoderMerged: decoder({ merged: true }) }),
      ...(merged === 'if' && { decoderMerged: mergeDecodersOnnxModel(decoder({}), decoder({ withPast: true })) }),
    });
  });
}
