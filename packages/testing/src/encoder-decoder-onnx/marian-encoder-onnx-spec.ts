import type { NamedWeight } from '../named-weight';
import type { OnnxModelSpec } from '../onnx-model-spec';
import { MarianGraphBlocks } from './marian-graph-blocks';

/**
 * `encoder_model.onnx` of HF `MarianMTModel` in the layout Optimum exports and transformers.js
 * loads: inputs `input_ids`, `attention_mask` (`[batch_size, encoder_sequence_length]` int64,
 * right-padded sources), output `last_hidden_state` `[batch_size, encoder_sequence_length, d_model]`
 * float32. Opset 17, standard ops only. Semantics of {@link referenceEncoderDecoderForward}:
 * tokens × √d_model plus sinusoids at positions 0…, post-LayerNorm blocks, padding keys at
 * float32's minimum. With `outputAttentions`, per layer also `encoder_attentions.{i}`
 * `[batch_size, heads, encoder_sequence_length, encoder_sequence_length]` (the self-attention
 * softmax; Optimum's name for an encoder exported with `output_attentions`, which
 * transformers.js's `getAttentions` reads).
 *
 * @param weights - by HF name, e.g. `createTinyMarian().weights`.
 * @param config - the `config.json` object (`model_type: 'marian'`).
 * @param options - `outputAttentions` adds the `encoder_attentions.{i}` outputs (@defaultValue false).
 */
export function marianEncoderOnnxSpec(
  weights: Record<string, NamedWeight>,
  config: Record<string, unknown>,
  options: { readonly outputAttentions?: boolean } = {},
): OnnxModelSpec {
  const attentionsOut = options.outputAttentions ?? false;
  const blocks = new MarianGraphBlocks(weights, config);
  const { g, sizes } = blocks;
  g.module('model.encoder', () => {
    let x = blocks.embed('encoder', 'input_ids', blocks.int64('const_zero_i', [0]), blocks.dim('input_ids', 1));
    const bias = blocks.keyPaddingBias('attention_mask');
    for (let layer = 0; layer < sizes.encoderLayers; layer++) {
      const p = `model.encoder.layers.${layer}`;
      const self = blocks.attention(`${p}.self_attn`, sizes.encoderHeads, x, { bias: [bias], ...(attentionsOut && { weightsName: `encoder_attentions.${layer}` }) });
      x = blocks.residual(x, self.output, `${p}.self_attn_layer_norm`, p);
      x = blocks.residual(x, blocks.feedForward(x, p), `${p}.final_layer_norm`, p);
    }
    g.one('Identity', [x], undefined, 'last_hidden_state');
  });
  const tokens = ['batch_size', 'encoder_sequence_length'];
  return {
    opsetVersion: 17,
    graphName: 'main_graph',
    inputs: [
      { name: 'input_ids', dataType: 'int64', shape: tokens },
      { name: 'attention_mask', dataType: 'int64', shape: tokens },
    ],
    outputs: [
      { name: 'last_hidden_state', dataType: 'float', shape: [...tokens, sizes.dModel] },
      ...(attentionsOut
        ? Array.from({ length: sizes.encoderLayers }, (_, layer) => ({
            name: `encoder_attentions.${layer}`,
            dataType: 'float' as const,
            shape: ['batch_size', sizes.encoderHeads, 'encoder_sequence_length', 'encoder_sequence_length'],
          }))
        : []),
    ],
    initializers: g.initializers,
    nodes: g.nodes,
  };
}
