import { encodeOnnxModel } from '../encode-onnx-model';
import type { OnnxModelSpec, OnnxValueInfoSpec } from '../onnx-model-spec';
import { type AttentionSources, Seq2SeqGraphOps } from './seq2seq-graph-ops';

/** Graph variants of the decoders of {@link bartOnnxModelSpecs} and {@link t5OnnxModelSpecs}. */
export interface Seq2SeqDecoderOnnxOptions {
  /**
   * Also write `decoderWithPast` (`decoder_with_past_model.onnx`): inputs
   * `past_key_values.{i}.decoder.key/value` `[batch_size, heads, past_decoder_sequence_length,
   * head_dim]` and `past_key_values.{i}.encoder.key/value` `[batch_size, heads,
   * encoder_sequence_length, head_dim]` replace `encoder_hidden_states`; outputs only
   * `present.{i}.decoder.key/value`, as Optimum's. @defaultValue false
   */
  withPast?: boolean;
  /**
   * Also write `decoderMerged` (`decoder_model_merged.onnx`): the interface of Optimum's merged
   * decoder, every input of both graphs plus `use_cache_branch` `[1]` bool, outputs every
   * `present.*`. Optimum switches with an `If`; as the Marian export of this package, the
   * cross-attention keys and values are a `Slice` of `Concat(past, projection)` instead: the
   * cache when `use_cache_branch` is true, else the projection of `encoder_hidden_states` (the
   * past fed then is empty, as transformers.js feeds it). @defaultValue false
   */
  merged?: boolean;
  /**
   * Add outputs `decoder_attentions.{i}` `[batch_size, heads, decoder_sequence_length, total_length]`
   * and `cross_attentions.{i}` `[batch_size, heads, decoder_sequence_length, encoder_sequence_length]`
   * to the decoder graphs, and `encoder_attentions.{i}` `[batch_size, heads, encoder_sequence_length,
   * encoder_sequence_length]` to the encoder graph: the names of Optimum's export with
   * `output_attentions` (its encoder maps HF's `attentions` to `encoder_attentions`) that
   * transformers.js's `getAttentions` reads. @defaultValue false
   */
  outputAttentions?: boolean;
}

/** The graphs of one encoder-decoder export, in the transformers.js / Optimum layout. */
export interface Seq2SeqOnnxModelSpecs {
  /** `onnx/encoder_model.onnx`. */
  encoder: OnnxModelSpec;
  /** `onnx/decoder_model.onnx`. */
  decoder: OnnxModelSpec;
  /** `onnx/decoder_with_past_model.onnx`, with `withPast`. */
  decoderWithPast?: OnnxModelSpec;
  /** `onnx/decoder_model_merged.onnx`, with `merged`. */
  decoderMerged?: OnnxModelSpec;
}

/**
 * A transformers.js / Optimum encoder-decoder folder: the HF files of the model (config,
 * generation config, tokenizer) next to each graph of `specs` under `onnx/` by its file name.
 */
export function seq2seqOnnxFolder(files: Readonly<Record<string, Uint8Array>>, specs: Seq2SeqOnnxModelSpecs): Record<string, Uint8Array> {
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

/** Which decoder graph: `decoder_model`, `decoder_with_past_model` or `decoder_model_merged`. */
export type Seq2SeqDecoderVariant = 'plain' | 'withPast' | 'merged';

/** Sizes that fix a decoder graph's interface. */
export interface Seq2SeqInterfaceSizes {
  readonly dModel: number;
  readonly vocab: number;
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
}

const tokens = ['batch_size', 'encoder_sequence_length'];

/** Optimum's name of encoder layer `layer`'s self-attention weights, when exported with attentions. */
export const encoderAttentionsName = (layer: number): string => `encoder_attentions.${layer}`;

/**
 * Optimum's encoder interface: `input_ids`, `attention_mask` int64 → `last_hidden_state` float32,
 * then with `attentions` per layer `encoder_attentions.{i}` `[batch_size, heads,
 * encoder_sequence_length, encoder_sequence_length]`.
 */
export function encoderInterface(dModel: number, attentions?: { readonly layers: number; readonly heads: number }): Pick<OnnxModelSpec, 'inputs' | 'outputs'> {
  const perLayer = attentions
    ? Array.from({ length: attentions.layers }, (_, layer) => ({ name: encoderAttentionsName(layer), dataType: 'float' as const, shape: ['batch_size', attentions.heads, 'encoder_sequence_length', 'encoder_sequence_length'] }))
    : [];
  return {
    inputs: [
      { name: 'input_ids', dataType: 'int64', shape: tokens },
      { name: 'attention_mask', dataType: 'int64', shape: tokens },
    ],
    outputs: [{ name: 'last_hidden_state', dataType: 'float', shape: [...tokens, dModel] }, ...perLayer],
  };
}

/**
 * Optimum's decoder interface, in the order of the Marian export of this package: inputs
 * `encoder_attention_mask`, `input_ids`, `encoder_hidden_states` (not with past), the
 * `past_key_values.*` (with past, merged), `use_cache_branch` (merged); outputs `logits`, per
 * layer `present.{i}.decoder.key/value` (and `.encoder.`, not with past), then the attentions
 * when asked.
 */
export function decoderInterface(sizes: Seq2SeqInterfaceSizes, variant: Seq2SeqDecoderVariant, outputAttentions: boolean): Pick<OnnxModelSpec, 'inputs' | 'outputs'> {
  const { dModel, vocab, heads, headDim } = sizes;
  const withPast = variant !== 'plain';
  const layers = Array.from({ length: sizes.layers }, (_, layer) => layer);
  const decoderLength = withPast ? 'past_decoder_sequence_length + decoder_sequence_length' : 'decoder_sequence_length';
  const caches = (prefix: string, sides: readonly ('decoder' | 'encoder')[], decoderAxis: string): OnnxValueInfoSpec[] =>
    layers.flatMap((layer) =>
      sides.flatMap((side) =>
        ['key', 'value'].map((part) => ({
          name: `${prefix}.${layer}.${side}.${part}`,
          dataType: 'float' as const,
          shape: ['batch_size', heads, side === 'decoder' ? decoderAxis : 'encoder_sequence_length', headDim],
        })),
      ),
    );
  return {
    inputs: [
      { name: 'encoder_attention_mask', dataType: 'int64', shape: tokens },
      { name: 'input_ids', dataType: 'int64', shape: ['batch_size', 'decoder_sequence_length'] },
      ...(variant === 'withPast' ? [] : [{ name: 'encoder_hidden_states', dataType: 'float' as const, shape: [...tokens, dModel] }]),
      ...(withPast ? caches('past_key_values', ['decoder', 'encoder'], 'past_decoder_sequence_length') : []),
      ...(variant === 'merged' ? [{ name: 'use_cache_branch', dataType: 'bool' as const, shape: [1] }] : []),
    ],
    outputs: [
      { name: 'logits', dataType: 'float', shape: ['batch_size', 'decoder_sequence_length', vocab] },
      ...caches('present', variant === 'withPast' ? ['decoder'] : ['decoder', 'encoder'], decoderLength),
      ...(outputAttentions
        ? layers.flatMap((layer) => [
            { name: `decoder_attentions.${layer}`, dataType: 'float' as const, shape: ['batch_size', heads, 'decoder_sequence_length', decoderLength] },
            { name: `cross_attentions.${layer}`, dataType: 'float' as const, shape: ['batch_size', heads, 'decoder_sequence_length', 'encoder_sequence_length'] },
          ])
        : []),
    ],
  };
}

/**
 * The sources of layer `layer`'s self- and cross-attention in a decoder graph: projected from the
 * fed tokens and `encoder_hidden_states`, appended to / read from the `past_key_values.*` cache,
 * or (merged) chosen between the cache and the projection by `crossStart`; named `present.*` and
 * (when asked) `decoder_attentions.*` / `cross_attentions.*`.
 *
 * @param crossChoice - merged only: the start `[1]` and length `[1]` of the `Slice` of
 * `Concat(past, projection)` on the key axis.
 */
export function decoderAttentionSources(
  layer: number,
  variant: Seq2SeqDecoderVariant,
  outputAttentions: boolean,
  crossChoice?: { readonly start: string; readonly length: string },
): { self: Omit<AttentionSources, 'bias'>; cross: Omit<AttentionSources, 'bias'> } {
  const past = (side: string) => ({ keys: `past_key_values.${layer}.${side}.key`, values: `past_key_values.${layer}.${side}.value` });
  const crossNames = { keysName: `present.${layer}.encoder.key`, valuesName: `present.${layer}.encoder.value` };
  return {
    self: {
      keysName: `present.${layer}.decoder.key`,
      valuesName: `present.${layer}.decoder.value`,
      ...(outputAttentions && { weightsName: `decoder_attentions.${layer}` }),
      ...(variant !== 'plain' && { appendTo: past('decoder') }),
    },
    cross: {
      ...(variant === 'withPast' ? { cached: past('encoder') } : { memory: 'encoder_hidden_states', ...crossNames }),
      ...(variant === 'merged' && crossChoice && { chooseFrom: { ...past('encoder'), ...crossChoice } }),
      ...(outputAttentions && { weightsName: `cross_attentions.${layer}` }),
    },
  };
}

/**
 * The lengths a decoder graph starts from, as int64 `[1]` values: `past` (the cache's length, 0
 * without one), `fed` (the tokens of `input_ids`), `total`; for the merged graph also the
 * cross-attention choice of {@link decoderAttentionSources} (start: the cache's length unless
 * `use_cache_branch`, then 0).
 */
export function decoderLengths(ops: Seq2SeqGraphOps, variant: Seq2SeqDecoderVariant) {
  const { g } = ops;
  const fed = ops.dim('input_ids', 1);
  if (variant === 'plain') return { past: ops.int64('const_zero_i', [0]), fed, total: fed };
  const past = ops.dim('past_key_values.0.decoder.key', 2);
  const total = g.one('Add', [past, fed]);
  if (variant === 'withPast') return { past, fed, total };
  const projectionFirst = g.one('Cast', [g.one('Not', ['use_cache_branch'])], { to: Seq2SeqGraphOps.int(7) });
  const start = g.one('Mul', [ops.dim('past_key_values.0.encoder.key', 2), projectionFirst]);
  return { past, fed, total, crossChoice: { start, length: ops.dim('encoder_hidden_states', 1) } };
}

/** The decoder graphs `options` asks for, written by `write`. */
export function decoderSpecs(options: Seq2SeqDecoderOnnxOptions, write: (variant: Seq2SeqDecoderVariant) => OnnxModelSpec): Omit<Seq2SeqOnnxModelSpecs, 'encoder'> {
  return {
    decoder: write('plain'),
    ...(options.withPast && { decoderWithPast: write('withPast') }),
    ...(options.merged && { decoderMerged: write('merged') }),
  };
}
