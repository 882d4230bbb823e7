import type { NamedWeight } from '../named-weight';
import type { OnnxModelSpec, OnnxValueInfoSpec } from '../onnx-model-spec';
import { MarianGraphBlocks } from './marian-graph-blocks';

/** Graph variants of {@link marianDecoderOnnxSpec}. */
export interface MarianDecoderOnnxOptions {
  /**
   * `decoder_with_past_model.onnx` instead of `decoder_model.onnx`: inputs
   * `past_key_values.{i}.decoder.key/value` `[batch_size, heads, past_decoder_sequence_length,
   * head_dim]` and `past_key_values.{i}.encoder.key/value` `[batch_size, heads,
   * encoder_sequence_length, head_dim]` replace `encoder_hidden_states` (the cross-attention keys
   * and values come from the cache, so Optimum's export has no such input); outputs only the
   * decoder's `present.{i}.decoder.key/value`, as Optimum's. @defaultValue false
   */
  withPast?: boolean;
  /**
   * `decoder_model_merged.onnx`: the interface of Optimum's merged decoder (every input of both
   * graphs plus `use_cache_branch` `[1]` bool; outputs `present.{i}.decoder|encoder.key|value`).
   * Optimum switches with an `If` node; this writer has no subgraphs, so the cross-attention
   * keys and values are chosen with a `Slice` of `Concat(past, projected)`: the cache when
   * `use_cache_branch` is true, else the projection of `encoder_hidden_states` (the past fed then
   * is empty, as transformers.js feeds it). Same numbers as the `If`. Ignores `withPast`.
   * @defaultValue false
   */
  merged?: boolean;
  /**
   * Add outputs `decoder_attentions.{i}` `[batch_size, heads, decoder_sequence_length, total_length]`
   * (self-attention softmax, total = past + fed tokens) and `cross_attentions.{i}`
   * `[batch_size, heads, decoder_sequence_length, encoder_sequence_length]`, transformers.js's
   * names for a decoder's attention outputs. @defaultValue false
   */
  outputAttentions?: boolean;
}

/**
 * The decoder of HF `MarianMTModel` with its LM head, in the layout Optimum exports and
 * transformers.js loads (`decoder_model.onnx`): inputs `encoder_attention_mask`
 * `[batch_size, encoder_sequence_length]` int64, `input_ids` `[batch_size, decoder_sequence_length]`
 * int64, `encoder_hidden_states` `[batch_size, encoder_sequence_length, d_model]` float32;
 * outputs `logits` `[batch_size, decoder_sequence_length, vocab]` then per layer
 * `present.{i}.decoder.key/value` (self-attention keys and values) and
 * `present.{i}.encoder.key/value` (cross-attention ones), `[batch_size, heads, length, head_dim]`.
 * As Optimum's export the decoder takes no attention mask of its own: every fed token is real and
 * positions run from the cache's length. Logits `y · E^T + final_logits_bias` (E the decoder
 * embeddings, tied). Opset 17, standard ops; semantics of {@link referenceEncoderDecoderForward}.
 */
export function marianDecoderOnnxSpec(weights: Record<string, NamedWeight>, config: Record<string, unknown>, options: MarianDecoderOnnxOptions = {}): OnnxModelSpec {
  const merged = options.merged ?? false;
  const withPast = merged || (options.withPast ?? false);
  const attentionsOut = options.outputAttentions ?? false;
  const blocks = new MarianGraphBlocks(weights, config);
  const { g, sizes } = blocks;
  const heads = sizes.decoderHeads;
  const headDim = sizes.dModel / heads;
  // Nodes named by module scope as torch.onnx names them (`/model/decoder/layers.0/encoder_attn/q_proj/MatMul`).
  const decoderOutput = g.module('model.decoder', () => {
  const fed = blocks.dim('input_ids', 1);
  const past = withPast ? blocks.dim('past_key_values.0.decoder.key', 2) : blocks.int64('const_zero_i', [0]);
  const total = withPast ? g.one('Add', [past, fed]) : fed;
  let y = blocks.embed('decoder', 'input_ids', past, fed);
  const causal = blocks.causalBias(past, total);
  const sourceBias = blocks.keyPaddingBias('encoder_attention_mask');
  // Merged graph: rows [start, start + sourceLength) of Concat(past, projected) on the key axis,
  // start = past length unless use_cache_branch (then 0, the cache itself).
  const sourceLength = merged ? blocks.dim('encoder_hidden_states', 1) : '';
  const crossStart = merged
    ? g.one('Mul', [blocks.dim('past_key_values.0.encoder.key', 2), g.one('Cast', [g.one('Not', ['use_cache_branch'])], { to: MarianGraphBlocks.int(7) })])
    : '';
  const mergedCrossCache = (layer: number) => {
    const pick = (part: 'key' | 'value', projection: string) =>
      g.module(`model.decoder.layers.${layer}.encoder_attn`, () => {
        const projected = blocks.splitHeads(blocks.linear('encoder_hidden_states', `model.decoder.layers.${layer}.encoder_attn.${projection}`), heads);
        const both = g.one('Concat', [`past_key_values.${layer}.encoder.${part}`, projected], { axis: MarianGraphBlocks.int(2) });
        return g.one('Slice', [both, crossStart, g.one('Add', [crossStart, sourceLength]), blocks.int64('const_index_2', [2])]);
      });
    return { keys: pick('key', 'k_proj'), values: pick('value', 'v_proj') };
  };
  for (let layer = 0; layer < sizes.decoderLayers; layer++) {
    const p = `model.decoder.layers.${layer}`;
    const self = blocks.attention(`${p}.self_attn`, heads, y, {
      bias: [causal],
      keysName: `present.${layer}.decoder.key`,
      valuesName: `present.${layer}.decoder.value`,
      ...(attentionsOut && { weightsName: `decoder_attentions.${layer}` }),
      ...(withPast && { appendTo: { keys: `past_key_values.${layer}.decoder.key`, values: `past_key_values.${layer}.decoder.value` } }),
    });
    y = blocks.residual(y, self.output, `${p}.self_attn_layer_norm`, p);
    const cross = blocks.attention(`${p}.encoder_attn`, heads, y, {
      bias: [sourceBias],
      ...(merged
        ? { cached: mergedCrossCache(layer) }
        : withPast
          ? { cached: { keys: `past_key_values.${layer}.encoder.key`, values: `past_key_values.${layer}.encoder.value` } }
          : { memory: 'encoder_hidden_states' }),
      ...(!withPast || merged ? { keysName: `present.${layer}.encoder.key`, valuesName: `present.${layer}.encoder.value` } : {}),
      ...(attentionsOut && { weightsName: `cross_attentions.${layer}` }),
    });
    y = blocks.residual(y, cross.output, `${p}.encoder_attn_layer_norm`, p);
    y = blocks.residual(y, blocks.feedForward(y, p), `${p}.final_layer_norm`, p);
  }
  return y;
  });
  const head = blocks.hasWeight('lm_head.weight') ? blocks.weight('lm_head.weight') : blocks.embedTable('decoder');
  const projected = g.module('lm_head', () => g.one('MatMul', [decoderOutput, g.one('Transpose', [head], { perm: MarianGraphBlocks.ints([1, 0]) })]));
  if (blocks.hasWeight('final_logits_bias')) g.one('Add', [projected, blocks.weight('final_logits_bias')], undefined, 'logits');
  else g.one('Identity', [projected], undefined, 'logits');

  const layers = Array.from({ length: sizes.decoderLayers }, (_, layer) => layer);
  const decoderLength = withPast ? 'past_decoder_sequence_length + decoder_sequence_length' : 'decoder_sequence_length';
  const pastInputs: OnnxValueInfoSpec[] = layers.flatMap((layer) =>
    (['decoder', 'encoder'] as const).flatMap((side) =>
      ['key', 'value'].map((part) => ({
        name: `past_key_values.${layer}.${side}.${part}`,
        dataType: 'float' as const,
        shape: ['batch_size', heads, side === 'decoder' ? 'past_decoder_sequence_length' : 'encoder_sequence_length', headDim],
      })),
    ),
  );
  const presentOutputs: OnnxValueInfoSpec[] = layers.flatMap((layer) =>
    (withPast && !merged ? (['decoder'] as const) : (['decoder', 'encoder'] as const)).flatMap((side) =>
      ['key', 'value'].map((part) => ({
        name: `present.${layer}.${side}.${part}`,
        dataType: 'float' as const,
        shape: ['batch_size', heads, side === 'decoder' ? decoderLength : 'encoder_sequence_length', headDim],
      })),
    ),
  );
  return {
    opsetVersion: 17,
    graphName: 'main_graph',
    inputs: [
      { name: 'encoder_attention_mask', dataType: 'int64', shape: ['batch_size', 'encoder_sequence_length'] },
      { name: 'input_ids', dataType: 'int64', shape: ['batch_size', 'decoder_sequence_length'] },
      ...(withPast && !merged ? [] : [{ name: 'encoder_hidden_states', dataType: 'float' as const, shape: ['batch_size', 'encoder_sequence_length', sizes.dModel] }]),
      ...(withPast ? pastInputs : []),
      ...(merged ? [{ name: 'use_cache_branch', dataType: 'bool' as const, shape: [1] }] : []),
    ],
    outputs: [
      { name: 'logits', dataType: 'float', shape: ['batch_size', 'decoder_sequence_length', sizes.vocab] },
      ...presentOutputs,
      ...(attentionsOut
        ? layers.flatMap((layer) => [
            { name: `decoder_attentions.${layer}`, dataType: 'float' as const, shape: ['batch_size', heads, 'decoder_sequence_length', decoderLength] },
            { name: `cross_attentions.${layer}`, dataType: 'float' as const, shape: ['batch_size', heads, 'decoder_sequence_length', 'encoder_sequence_length'] },
          ])
        : []),
    ],
    initializers: g.initializers,
    nodes: g.nodes,
  };
}
