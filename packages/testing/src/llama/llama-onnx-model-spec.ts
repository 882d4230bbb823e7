import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from '../named-weight';
import { GraphBuilder } from '../onnx-graph-builder';
import type { OnnxAttributeValue, OnnxModelSpec, OnnxValueInfoSpec } from '../onnx-model-spec';
import { ropeInverseFrequencies } from './reference-llama-forward';

/** Graph variants of {@link llamaOnnxModelSpec}, as Optimum / transformers.js export them. */
export interface LlamaOnnxGraphOptions {
  /** KV cache: `past_key_values.{i}.key/value` `[batch, kv_heads, past, head_dim]` in, `present.{i}.*` out. @defaultValue false */
  withPast?: boolean;
  /** Outputs `attentions.{i}` `[batch, heads, seq, total]`. @defaultValue false */
  outputAttentions?: boolean;
}

// What HF adds to masked attention scores (torch.finfo(float32).min).
const maskedScore = -3.4028234663852886e38;

function num(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number') throw new InvalidInputError(`config.${key} must be a number, got ${JSON.stringify(value)}.`, { code: 'INVALID_ARGUMENT' });
  return value;
}

/**
 * The ONNX graph of a Llama-family causal LM (`llama`, `mistral`, `qwen2`, `gemma` as
 * {@link createTinyLlama} writes them) in the Optimum / transformers.js decoder layout: inputs
 * `input_ids`, `attention_mask` (past + current), `position_ids`, optionally the KV cache with
 * `num_key_value_heads` heads; output `logits` `[batch, seq, vocab]`. Standard opset-17 ops:
 * RMSNorm from ReduceMean/Sqrt, RoPE computed from `position_ids` with HF's rotate-half pairing,
 * grouped-query attention by Expand of the key/value heads, the causal mask built with Range (no
 * `[max, max]` constant), SwiGLU (Sigmoid) or gemma's tanh GeGLU. Semantics match
 * {@link referenceLlamaForward}; sliding windows are not written (inputs shorter than the window).
 * Nodes are named by module scope as `torch.onnx.export` names them (`/model/embed_tokens/Gather`,
 * `/model/layers.0/input_layernorm/Mul_1`, `/model/layers.0/self_attn/o_proj/MatMul`, the
 * residual adds `/model/layers.0/Add` and `/model/layers.0/Add_1`, `/model/norm/Mul_1`, `/lm_head/MatMul`).
 */
export function llamaOnnxModelSpec(weights: Record<string, NamedWeight>, config: Record<string, unknown>, options: LlamaOnnxGraphOptions = {}): OnnxModelSpec {
  const withPast = options.withPast ?? false;
  const outputAttentions = options.outputAttentions ?? false;
  const family = config.model_type as string;
  const gemma = family === 'gemma';
  const hidden = num(config, 'hidden_size');
  const nLayer = num(config, 'num_hidden_layers');
  const nHead = num(config, 'num_attention_heads');
  const nKv = num(config, 'num_key_value_heads', nHead);
  const headDim = num(config, 'head_dim', hidden / nHead);
  const eps = num(config, 'rms_norm_eps');
  const vocab = num(config, 'vocab_size');
  const group = nHead / nKv;
  const weight = (name: string): NamedWeight => {
    const found = weights[name];
    if (!found) throw new InvalidInputError(`Missing weight '${name}'.`, { code: 'INVALID_ARGUMENT' });
    return found;
  };
  const g = new GraphBuilder();
  const int = (value: number): OnnxAttributeValue => ({ kind: 'int', value });
  const ints = (value: number[]): OnnxAttributeValue => ({ kind: 'ints', value });
  const scalar = (name: string, value: number) => g.constant(name, 'float', [], [value]);
  const int64s = (name: string, values: number[]) => g.constant(name, 'int64', [values.length], values);
  /** nn.Linear `[out, in]` stored transposed `[in, out]` for MatMul, as exporters fold it. */
  /** The module of a weight, as torch.onnx scopes its nodes (`model.layers.0.self_attn.q_proj.weight` → `q_proj`). */
  const moduleOf = (name: string) => name.split('.').at(-2)!;
  const linear = (x: string, name: string): string => {
    const { shape, data } = weight(name);
    const [out, inSize] = shape;
    const transposed = new Float32Array(out * inSize);
    for (let o = 0; o < out; o++) for (let i = 0; i < inSize; i++) transposed[i * out + o] = data[o * inSize + i];
    return g.within(moduleOf(name), () => {
      const product = g.one('MatMul', [x, g.constant(`${name}.T`, 'float', [inSize, out], transposed)]);
      const biasName = name.replace(/\.weight$/, '.bias');
      return weights[biasName] ? g.one('Add', [product, g.weight(biasName, weights[biasName])]) : product;
    });
  };
  const one = scalar('const_one', 1);
  const normScale = (name: string) => {
    const { shape, data } = weight(name);
    // Gemma's RMSNorm scales by 1 + weight; folded into the constant.
    return g.constant(name, 'float', shape, gemma ? data.map((v) => 1 + v) : data);
  };
  const epsilon = scalar('const_rms_eps', eps);
  const rmsNorm = (x: string, name: string) =>
    g.within(moduleOf(name), () => {
      const meanSquare = g.one('ReduceMean', [g.one('Mul', [x, x])], { axes: ints([-1]), keepdims: int(1) });
      const inverse = g.one('Div', [one, g.one('Sqrt', [g.one('Add', [meanSquare, epsilon])])]);
      return g.one('Mul', [g.one('Mul', [x, inverse]), normScale(name)]);
    });

  const embedName = g.weight('model.embed_tokens.weight', weight('model.embed_tokens.weight'));
  // Nodes are named by module scope as torch.onnx names them (`/model/layers.0/self_attn/o_proj/MatMul`),
  // so the ort backend finds layers in these graphs as it does in real exports.
  const final = g.within('model', () => {
    let states = g.within('embed_tokens', () => g.one('Gather', [embedName, 'input_ids']));
    if (gemma) states = g.one('Mul', [states, scalar('const_embed_scale', Math.fround(Math.sqrt(hidden)))]);

    // RoPE tables from position_ids: [batch, 1, seq, headDim].
    const [cos, sin] = g.within('rotary_emb', () => {
      const inverse = g.constant('rope_inv_freq', 'float', [headDim / 2], Float32Array.from(ropeInverseFrequencies(config, headDim)));
      const positions = g.one('Unsqueeze', [g.one('Cast', ['position_ids'], { to: int(1) }), int64s('const_axis_2', [2])]);
      const freqs = g.one('Mul', [positions, inverse]);
      const angles = g.one('Unsqueeze', [g.one('Concat', [freqs, freqs], { axis: int(-1) }), int64s('const_axis_1', [1])]);
      return [g.one('Cos', [angles]), g.one('Sin', [angles])];
    });
    const halves = int64s('const_rope_halves', [headDim / 2, headDim / 2]);
    const rope = (x: string) => {
      const [first, second] = g.op('Split', [x, halves], { axis: int(3) }, 2);
      const rotated = g.one('Concat', [g.one('Neg', [second]), first], { axis: int(3) });
      return g.one('Add', [g.one('Mul', [x, cos]), g.one('Mul', [rotated, sin])]);
    };

    // Additive bias [batch, 1, seq, total]: 0 where key s <= query t (absolute) and s is real.
    const oneIndex = int64s('const_one_i', [1]);
    const twoIndex = int64s('const_two_i', [2]);
    const zeroScalar = g.constant('const_zero_scalar_i', 'int64', [], [0]);
    const oneScalar = g.constant('const_one_scalar_i', 'int64', [], [1]);
    const toScalar = (x: string) => g.one('Squeeze', [x, g.constant('const_squeeze_axes', 'int64', [1], [0])]);
    const seqLength = toScalar(g.one('Slice', [g.one('Shape', ['input_ids']), oneIndex, twoIndex]));
    const totalLength = toScalar(g.one('Slice', [g.one('Shape', ['attention_mask']), oneIndex, twoIndex]));
    const pastLength = g.one('Sub', [totalLength, seqLength]);
    const queryPositions = g.one('Unsqueeze', [g.one('Range', [pastLength, totalLength, oneScalar]), oneIndex]);
    const keyPositions = g.one('Unsqueeze', [g.one('Range', [zeroScalar, totalLength, oneScalar]), g.constant('const_axis_0', 'int64', [1], [0])]);
    const causal = g.one('LessOrEqual', [keyPositions, queryPositions]);
    const keyMask = g.one('Unsqueeze', [g.one('Cast', ['attention_mask'], { to: int(9) }), int64s('const_mask_axes', [1, 2])]);
    const bias = g.one('Where', [g.one('And', [causal, keyMask]), scalar('const_zero', 0), scalar('const_masked_score', maskedScore)]);

    const headsShape = (heads: number) => int64s(`const_heads_${heads}`, [0, 0, heads, headDim]);
    const split = (x: string, heads: number) => g.one('Transpose', [g.one('Reshape', [x, headsShape(heads)])], { perm: ints([0, 2, 1, 3]) });
    // Grouped-query attention: [b, kv, t, d] → [b, kv, group, t, d] → [b, heads, t, d] (HF's repeat_kv).
    const [repeatAxis, repeatShape, mergedHeads] =
      group === 1 ? ['', '', ''] : [int64s('const_axis_2b', [2]), int64s('const_repeat', [1, 1, group, 1, 1]), int64s('const_merged_heads', [0, nHead, -1, headDim])];
    const repeat = (x: string) => (group === 1 ? x : g.one('Reshape', [g.one('Expand', [g.one('Unsqueeze', [x, repeatAxis]), repeatShape]), mergedHeads]));
    const scoreScale = scalar('const_score_scale', Math.sqrt(headDim));
    const contextShape = int64s('const_context', [0, 0, nHead * headDim]);
    // Only gemma's tanh GELU needs these; unused initializers make ONNX Runtime warn.
    const [half, geluScale, geluCubic, three] = gemma
      ? [scalar('const_half', 0.5), scalar('const_gelu_scale', Math.sqrt(2 / Math.PI)), scalar('const_gelu_cubic', 0.044715), scalar('const_three', 3)]
      : ['', '', '', ''];

    for (let layer = 0; layer < nLayer; layer++) {
      const p = `model.layers.${layer}`;
      states = g.within(`layers.${layer}`, () => {
        const normed = rmsNorm(states, `${p}.input_layernorm.weight`);
        const attention = g.within('self_attn', () => {
          const query = rope(split(linear(normed, `${p}.self_attn.q_proj.weight`), nHead));
          let key = rope(split(linear(normed, `${p}.self_attn.k_proj.weight`), nKv));
          let value = split(linear(normed, `${p}.self_attn.v_proj.weight`), nKv);
          if (withPast) {
            key = g.one('Concat', [`past_key_values.${layer}.key`, key], { axis: int(2) }, `present.${layer}.key`);
            value = g.one('Concat', [`past_key_values.${layer}.value`, value], { axis: int(2) }, `present.${layer}.value`);
          }
          const keysTransposed = g.one('Transpose', [repeat(key)], { perm: ints([0, 1, 3, 2]) });
          const scores = g.one('Add', [g.one('Div', [g.one('MatMul', [query, keysTransposed]), scoreScale]), bias]);
          const probabilities = g.one('Softmax', [scores], { axis: int(-1) }, outputAttentions ? `attentions.${layer}` : undefined);
          const context = g.one('Reshape', [g.one('Transpose', [g.one('MatMul', [probabilities, repeat(value)])], { perm: ints([0, 2, 1, 3]) }), contextShape]);
          return linear(context, `${p}.self_attn.o_proj.weight`);
        });
        const residual = g.one('Add', [states, attention]);
        const normed2 = rmsNorm(residual, `${p}.post_attention_layernorm.weight`);
        const feedForward = g.within('mlp', () => {
          const gate = linear(normed2, `${p}.mlp.gate_proj.weight`);
          const activated = g.within('act_fn', () =>
            gemma
              ? g.one('Mul', [
                  g.one('Mul', [half, gate]),
                  g.one('Add', [one, g.one('Tanh', [g.one('Mul', [geluScale, g.one('Add', [gate, g.one('Mul', [geluCubic, g.one('Pow', [gate, three])])])])])]),
                ])
              : g.one('Mul', [gate, g.one('Sigmoid', [gate])]),
          );
          const up = linear(normed2, `${p}.mlp.up_proj.weight`);
          return linear(g.one('Mul', [activated, up]), `${p}.mlp.down_proj.weight`);
        });
        return g.one('Add', [residual, feedForward]);
      });
    }
    return rmsNorm(states, 'model.norm.weight');
  });
  if (weights['lm_head.weight']) {
    const head = linear(final, 'lm_head.weight');
    g.one('Identity', [head], undefined, 'logits');
  } else {
    g.within('lm_head', () => g.one('MatMul', [final, g.one('Transpose', [embedName], { perm: ints([1, 0]) })], undefined, 'logits'));
  }

  const tokens = ['batch_size', 'sequence_length'];
  const total = withPast ? 'past_sequence_length + sequence_length' : 'sequence_length';
  const layers = Array.from({ length: nLayer }, (_, layer) => layer);
  const cache = (prefix: string, length: string): OnnxValueInfoSpec[] =>
    layers.flatMap((layer) => ['key', 'value'].map((part) => ({ name: `${prefix}.${layer}.${part}`, dataType: 'float' as const, shape: ['batch_size', nKv, length, headDim] })));
  return {
    opsetVersion: 17,
    graphName: 'main_graph',
    inputs: [
      { name: 'input_ids', dataType: 'int64', shape: tokens },
      { name: 'attention_mask', dataType: 'int64', shape: ['batch_size', total] },
      { name: 'position_ids', dataType: 'int64', shape: tokens },
      ...(withPast ? cache('past_key_values', 'past_sequence_length') : []),
    ],
    outputs: [
      { name: 'logits', dataType: 'float', shape: [...tokens, vocab] },
      ...(withPast ? cache('present', total) : []),
      ...(outputAttentions ? layers.map((layer) => ({ name: `attentions.${layer}`, dataType: 'float' as const, shape: ['batch_size', nHead, 'sequence_length', total] })) : []),
    ],
    initializers: g.initializers,
    nodes: g.nodes,
  };
}
