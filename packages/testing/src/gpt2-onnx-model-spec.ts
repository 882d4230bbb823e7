import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from './named-weight';
import { GraphBuilder } from './onnx-graph-builder';
import type { OnnxAttributeValue, OnnxModelSpec, OnnxValueInfoSpec } from './onnx-model-spec';

// What HF adds to masked attention scores (torch.finfo(float32).min), as referenceGpt2Forward.
const maskedScore = -3.4028234663852886e38;

function configNumber(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  if (typeof value !== 'number') {
    throw new InvalidInputError(`config.${key} must be a number, got ${JSON.stringify(value)}.`, { code: 'INVALID_ARGUMENT' });
  }
  return value;
}

/** Graph variants of {@link gpt2OnnxModelSpec}, as Optimum / transformers.js export them. */
export interface Gpt2OnnxGraphOptions {
  /**
   * Add the KV cache: inputs `past_key_values.{i}.key` / `.value`
   * `[batch_size, n_head, past_sequence_length, head_dim]` float32, outputs `present.{i}.key` /
   * `.value` `[batch_size, n_head, past_sequence_length + sequence_length, head_dim]`;
   * `attention_mask` then covers past and current tokens. An empty past (length 0) is a plain
   * forward. @defaultValue false
   */
  withPast?: boolean;
  /**
   * Add outputs `attentions.{i}` `[batch_size, n_head, sequence_length, total_length]`, each
   * layer's softmax weights (total length = past + current tokens). @defaultValue false
   */
  outputAttentions?: boolean;
  /**
   * Expose what value zeroing needs (not an Optimum option; inseq-ts's convention for exports
   * that support the `value_zeroing` method): input `value_zeroing_mask` `[batch_size, n_layer,
   * total_length]` float32 that multiplies each layer's attention value vectors per key position
   * (all heads; 1 keeps, 0 zeroes), and outputs `hidden_states.{0..n_layer}`
   * `[batch_size, sequence_length, n_embd]` as HF's `output_hidden_states` (embeddings, then each
   * block's output, the last one after `ln_f`). @defaultValue false
   */
  valueZeroing?: boolean;
  /**
   * Without `withPast`: also return the cache the prompt builds, `present.{i}.key` / `.value`
   * `[batch_size, n_head, sequence_length, head_dim]`, as Optimum's `decoder_model.onnx` does
   * (the no-cache branch of `decoder_model_merged.onnx`). @defaultValue false
   */
  outputPresent?: boolean;
}

/**
 * The ONNX graph of HF `GPT2LMHeadModel` for the given weights, in the layout Optimum and
 * transformers.js export decoder-only models. By default without a KV cache (see
 * {@link Gpt2OnnxGraphOptions} for `withPast` and `outputAttentions`): inputs `input_ids`,
 * `attention_mask`, `position_ids` (all `[batch_size, sequence_length]` int64), output `logits`
 * `[batch_size, sequence_length, vocab]` float32. Standard ops at opset 17 only. Semantics match
 * {@link referenceGpt2Forward}: a causal mask (a precomputed `[nPositions, nPositions]` bool
 * constant sliced to the sequence) and the padding mask select float32's minimum as the additive
 * score bias; scores scaled by `1/sqrt(headDim)`; `gelu_new` written with `Tanh`; Conv1D as
 * `x @ W + b`; the LM head is `wte` transposed in the graph, so the weight is stored once (tied).
 * Nodes are named by module scope as `torch.onnx.export` names them (`/transformer/wte/Gather`,
 * `/transformer/h.0/ln_1/LayerNormalization`, `/transformer/h.0/attn/c_proj/Add`, the residual
 * adds `/transformer/h.0/Add` and `/transformer/h.0/Add_1`, `/lm_head/MatMul`).
 *
 * @param weights - by HF name (`transformer.` prefix), e.g. `createTinyGpt2().weights`.
 * @param config - the `config.json` object (`n_layer`, `n_head`, `n_embd`, `layer_norm_epsilon`).
 * @param options - `withPast` (KV cache inputs and outputs), `outputAttentions`; without them
 * the graph is the one described above, byte for byte.
 */
export function gpt2OnnxModelSpec(
  weights: Record<string, NamedWeight>,
  config: Record<string, unknown>,
  options: Gpt2OnnxGraphOptions = {},
): OnnxModelSpec {
  const withPast = options.withPast ?? false;
  const outputAttentions = options.outputAttentions ?? false;
  const valueZeroing = options.valueZeroing ?? false;
  const outputPresent = !withPast && (options.outputPresent ?? false);
  const nLayer = configNumber(config, 'n_layer');
  const nHead = configNumber(config, 'n_head');
  const hidden = configNumber(config, 'n_embd');
  const epsilon = configNumber(config, 'layer_norm_epsilon');
  const headDim = hidden / nHead;
  const weight = (name: string): NamedWeight => {
    const found = weights[`transformer.${name}`];
    if (!found) throw new InvalidInputError(`Missing weight 'transformer.${name}'.`, { code: 'INVALID_ARGUMENT' });
    return found;
  };
  const wte = weight('wte.weight');
  const wpe = weight('wpe.weight');
  const [vocab] = wte.shape;
  const [nPositions] = wpe.shape;

  const g = new GraphBuilder();
  const ints = (value: number[]): OnnxAttributeValue => ({ kind: 'ints', value });
  const int = (value: number): OnnxAttributeValue => ({ kind: 'int', value });

  const wteName = g.weight('transformer.wte.weight', wte);
  const wpeName = g.weight('transformer.wpe.weight', wpe);
  const causal = g.constant(
    'causal_mask',
    'bool',
    [nPositions, nPositions],
    Uint8Array.from({ length: nPositions * nPositions }, (_, i) => (i % nPositions <= Math.floor(i / nPositions) ? 1 : 0)),
  );
  const zero = g.constant('const_zero', 'float', [], [0]);
  const masked = g.constant('const_masked_score', 'float', [], [maskedScore]);
  const half = g.constant('const_half', 'float', [], [0.5]);
  const one = g.constant('const_one', 'float', [], [1]);
  const three = g.constant('const_three', 'float', [], [3]);
  const geluCubic = g.constant('const_gelu_cubic', 'float', [], [0.044715]);
  const geluScale = g.constant('const_gelu_scale', 'float', [], [Math.sqrt(2 / Math.PI)]);
  const scoreScale = g.constant('const_score_scale', 'float', [], [Math.sqrt(headDim)]);
  // Only the graph without a cache slices from row 0; an unused initializer makes ORT warn.
  const startsZero = withPast ? '' : g.constant('const_starts', 'int64', [2], [0, 0]);
  const sliceAxes = g.constant('const_slice_axes', 'int64', [2], [0, 1]);
  const splitSizes = g.constant('const_split_sizes', 'int64', [3], [hidden, hidden, hidden]);
  const headsShape = g.constant('const_heads_shape', 'int64', [4], [0, 0, nHead, headDim]);
  const mergedShape = g.constant('const_merged_shape', 'int64', [3], [0, 0, hidden]);
  const maskAxes = g.constant('const_mask_axes', 'int64', [2], [1, 2]);

  // Nodes are named by module scope as torch.onnx names them (`/transformer/h.0/attn/c_proj/Add`),
  // so the ort backend finds layers in these graphs as it does in real exports.
  const final = g.within('transformer', () => {
    // Additive attention bias [batch, 1, seq, total]: 0 where key s <= query t and s is not padding.
    const oneIndex = g.constant('const_one_i', 'int64', [1], [1]);
    const twoIndex = g.constant('const_two_i', 'int64', [1], [2]);
    const seqLength = g.one('Slice', [g.one('Shape', ['input_ids']), oneIndex, twoIndex]);
    let causalSlice: string;
    if (withPast) {
      // Queries are the last `seq` of `total` positions: rows [past, total), columns [0, total).
      const totalLength = g.one('Slice', [g.one('Shape', ['attention_mask']), oneIndex, twoIndex]);
      const pastLength = g.one('Sub', [totalLength, seqLength]);
      const causalStarts = g.one('Concat', [pastLength, g.constant('const_zero_i', 'int64', [1], [0])], { axis: int(0) });
      const causalEnds = g.one('Concat', [totalLength, totalLength], { axis: int(0) });
      causalSlice = g.one('Slice', [causal, causalStarts, causalEnds, sliceAxes]);
    } else {
      const causalEnds = g.one('Concat', [seqLength, seqLength], { axis: int(0) });
      causalSlice = g.one('Slice', [causal, startsZero, causalEnds, sliceAxes]);
    }
    const keyMask = g.one('Unsqueeze', [g.one('Cast', ['attention_mask'], { to: int(9) }), maskAxes]);
    const attentionBias = g.one('Where', [g.one('And', [causalSlice, keyMask]), zero, masked]);

    const layerNorm = (x: string, prefix: string, scope: string) =>
      g.within(scope, () =>
        g.one('LayerNormalization', [x, g.weight(`transformer.${prefix}.weight`, weight(`${prefix}.weight`)), g.weight(`transformer.${prefix}.bias`, weight(`${prefix}.bias`))], {
          axis: int(-1),
          epsilon: { kind: 'float', value: epsilon },
        }),
      );
    const conv1d = (x: string, prefix: string, scope: string) =>
      g.within(scope, () =>
        g.one('Add', [
          g.one('MatMul', [x, g.weight(`transformer.${prefix}.weight`, weight(`${prefix}.weight`))]),
          g.weight(`transformer.${prefix}.bias`, weight(`${prefix}.bias`)),
        ]),
      );

    const tokenEmbeds = g.within('wte', () => g.one('Gather', [wteName, 'input_ids']));
    const positionEmbeds = g.within('wpe', () => g.one('Gather', [wpeName, 'position_ids']));
    let states = g.one('Add', [tokenEmbeds, positionEmbeds]);
    const valueAxes = valueZeroing ? g.constant('const_value_mask_axes', 'int64', [2], [1, 3]) : '';
    const exposeHidden = (x: string, index: number) => {
      if (valueZeroing) g.one('Identity', [x], undefined, `hidden_states.${index}`);
    };
    exposeHidden(states, 0);
    for (let layer = 0; layer < nLayer; layer++) {
      const prefix = `h.${layer}`;
      states = g.within(prefix, () => {
        const normed = layerNorm(states, `${prefix}.ln_1`, 'ln_1');
        const attention = g.within('attn', () => {
          const qkv = conv1d(normed, `${prefix}.attn.c_attn`, 'c_attn');
          const [query, key, value] = g.op('Split', [qkv, splitSizes], { axis: int(2) }, 3);
          // [batch, heads, seq, headDim]; keys as [batch, heads, headDim, seq] for the score MatMul.
          const heads = (x: string, perm: number[]) => g.one('Transpose', [g.one('Reshape', [x, headsShape])], { perm: ints(perm) });
          const queries = heads(query, [0, 2, 1, 3]);
          let keysTransposed: string;
          let values: string | undefined;
          if (withPast) {
            // The cache is [batch, heads, past, headDim]; this step's keys and values are appended on axis 2.
            const append = (past: string, x: string, present: string) =>
              g.one('Concat', [past, heads(x, [0, 2, 1, 3])], { axis: int(2) }, present);
            const presentKey = append(`past_key_values.${layer}.key`, key, `present.${layer}.key`);
            keysTransposed = g.one('Transpose', [presentKey], { perm: ints([0, 1, 3, 2]) });
            values = append(`past_key_values.${layer}.value`, value, `present.${layer}.value`);
          } else if (outputPresent) {
            const presentKey = g.one('Transpose', [g.one('Reshape', [key, headsShape])], { perm: ints([0, 2, 1, 3]) }, `present.${layer}.key`);
            keysTransposed = g.one('Transpose', [presentKey], { perm: ints([0, 1, 3, 2]) });
            values = g.one('Transpose', [g.one('Reshape', [value, headsShape])], { perm: ints([0, 2, 1, 3]) }, `present.${layer}.value`);
          } else {
            keysTransposed = heads(key, [0, 2, 3, 1]);
          }
          const scores = g.one('Div', [g.one('MatMul', [queries, keysTransposed]), scoreScale]);
          const probabilities = g.one(
            'Softmax',
            [g.one('Add', [scores, attentionBias])],
            { axis: int(-1) },
            outputAttentions ? `attentions.${layer}` : undefined,
          );
          values ??= heads(value, [0, 2, 1, 3]);
          if (valueZeroing) {
            // value_zeroing_mask[:, layer, :] as [batch, 1, total, 1], scaling each key's value vector.
            const layerIndex = g.constant(`const_layer_${layer}`, 'int64', [], [layer]);
            const keep = g.one('Unsqueeze', [g.one('Gather', ['value_zeroing_mask', layerIndex], { axis: int(1) }), valueAxes]);
            values = g.one('Mul', [values, keep]);
          }
          const context = g.one('MatMul', [probabilities, values]);
          const merged = g.one('Reshape', [g.one('Transpose', [context], { perm: ints([0, 2, 1, 3]) }), mergedShape]);
          return conv1d(merged, `${prefix}.attn.c_proj`, 'c_proj');
        });
        const residual = g.one('Add', [states, attention]);
        const normed2 = layerNorm(residual, `${prefix}.ln_2`, 'ln_2');
        const feedForward = g.within('mlp', () => {
          const inner = conv1d(normed2, `${prefix}.mlp.c_fc`, 'c_fc');
          // gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
          const gelu = g.within('act', () => {
            const cubic = g.one('Mul', [geluCubic, g.one('Pow', [inner, three])]);
            const tanh = g.one('Tanh', [g.one('Mul', [geluScale, g.one('Add', [inner, cubic])])]);
            return g.one('Mul', [g.one('Mul', [half, inner]), g.one('Add', [one, tanh])]);
          });
          return conv1d(gelu, `${prefix}.mlp.c_proj`, 'c_proj');
        });
        return g.one('Add', [residual, feedForward]);
      });
      if (layer < nLayer - 1) exposeHidden(states, layer + 1);
    }
    const normedFinal = layerNorm(states, 'ln_f', 'ln_f');
    exposeHidden(normedFinal, nLayer);
    return normedFinal;
  });
  g.within('lm_head', () => {
    const lmHead = g.one('Transpose', [wteName], { perm: ints([1, 0]) });
    g.one('MatMul', [final, lmHead], undefined, 'logits');
  });

  const tokens = ['batch_size', 'sequence_length'];
  const totalLength = withPast ? 'past_sequence_length + sequence_length' : 'sequence_length';
  const layers = Array.from({ length: nLayer }, (_, layer) => layer);
  const cache = (prefix: string, length: string): OnnxValueInfoSpec[] =>
    layers.flatMap((layer) =>
      ['key', 'value'].map((part) => ({ name: `${prefix}.${layer}.${part}`, dataType: 'float' as const, shape: ['batch_size', nHead, length, headDim] })),
    );
  return {
    opsetVersion: 17,
    graphName: 'main_graph',
    inputs: [
      { name: 'input_ids', dataType: 'int64', shape: tokens },
      { name: 'attention_mask', dataType: 'int64', shape: ['batch_size', totalLength] },
      { name: 'position_ids', dataType: 'int64', shape: tokens },
      ...(withPast ? cache('past_key_values', 'past_sequence_length') : []),
      ...(valueZeroing ? [{ name: 'value_zeroing_mask', dataType: 'float' as const, shape: ['batch_size', nLayer, totalLength] }] : []),
    ],
    outputs: [
      { name: 'logits', dataType: 'float', shape: [...tokens, vocab] },
      ...(withPast || outputPresent ? cache('present', totalLength) : []),
      ...(outputAttentions
        ? layers.map((layer) => ({ name: `attentions.${layer}`, dataType: 'float' as const, shape: ['batch_size', nHead, 'sequence_length', totalLength] }))
        : []),
      ...(valueZeroing
        ? [...layers, nLayer].map((index) => ({ name: `hidden_states.${index}`, dataType: 'float' as const, shape: [...tokens, hidden] }))
        : []),
    ],
    initializers: g.initializers,
    nodes: g.nodes,
  };
}
