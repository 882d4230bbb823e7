import type { OnnxModelSpec, OnnxValueInfoSpec } from '../onnx-model-spec';

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
   * Add outputs `decoder_attentions.{i}` `[batch_size, heads, decoder_sequence_length, total_length]`
   * and `cross_attentions.{i}` `[batch_size, heads, decoder_sequence_length, encoder_sequence_length]`
   * (transformers.js's names) to the decoder graphs. @defaultValue false
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
}

/** Sizes that fix a decoder graph's interface. */
export interface Seq2SeqInterfaceSizes {
  readonly dModel: number;
  readonly vocab: number;
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
}

const tokens = ['batch_size', 'encoder_sequence_length'];

/** Optimum's encoder interface: `input_ids`, `attention_mask` int64 → `last_hidden_state` float32. */
export function encoderInterface(dModel: number): Pick<OnnxModelSpec, 'inputs' | 'outputs'> {
  return {
    inputs: [
      { name: 'input_ids', dataType: 'int64', shape: tokens },
      { name: 'attention_mask', dataType: 'int64', shape: tokens },
    ],
    outputs: [{ name: 'last_hidden_state', dataType: 'float', shape: [...tokens, dModel] }],
  };
}

/**
 * Optimum's decoder interface, in the order of the Marian export of this package: inputs
 * `encoder_attention_mask`, `input_ids`, `encoder_hidden_states` (without past) or the
 * `past_key_values.*` (with past); outputs `logits`, per layer `present.{i}.decoder.key/value`
 * (and `.encoder.` without past), then the attentions when asked.
 */
export function decoderInterface(sizes: Seq2SeqInterfaceSizes, withPast: boolean, outputAttentions: boolean): Pick<OnnxModelSpec, 'inputs' | 'outputs'> {
  const { dModel, vocab, heads, headDim } = sizes;
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
      ...(withPast
        ? caches('past_key_values', ['decoder', 'encoder'], 'past_decoder_sequence_length')
        : [{ name: 'encoder_hidden_states', dataType: 'float' as const, shape: [...tokens, dModel] }]),
    ],
    outputs: [
      { name: 'logits', dataType: 'float', shape: ['batch_size', 'decoder_sequence_length', vocab] },
      ...caches('present', withPast ? ['decoder'] : ['decoder', 'encoder'], decoderLength),
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
 * fed tokens and `encoder_hidden_states`, or appended to / read from the `past_key_values.*`
 * cache; named `present.*` and (when asked) `decoder_attentions.*` / `cross_attentions.*`.
 */
export function decoderAttentionNames(layer: number, withPast: boolean, outputAttentions: boolean) {
  const past = (side: string) => ({ keys: `past_key_values.${layer}.${side}.key`, values: `past_key_values.${layer}.${side}.value` });
  return {
    self: {
      keysName: `present.${layer}.decoder.key`,
      valuesName: `present.${layer}.decoder.value`,
      ...(outputAttentions && { weightsName: `decoder_attentions.${layer}` }),
      ...(withPast && { appendTo: past('decoder') }),
    },
    cross: {
      ...(withPast ? { cached: past('encoder') } : { memory: 'encoder_hidden_states', keysName: `present.${layer}.encoder.key`, valuesName: `present.${layer}.encoder.value` }),
      ...(outputAttentions && { weightsName: `cross_attentions.${layer}` }),
    },
  };
}
