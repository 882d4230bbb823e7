import { InvalidInputError } from '@inseq/core';
import { configNumber } from '../encoder-decoder/reference-seq2seq-ops';
import { t5RelativePositionBucket } from '../encoder-decoder/t5-relative-position-bucket';
import type { NamedWeight } from '../named-weight';
import type { OnnxModelSpec } from '../onnx-model-spec';
import { type AttentionModules, Seq2SeqGraphOps } from './seq2seq-graph-ops';
import {
  type Seq2SeqDecoderOnnxOptions,
  type Seq2SeqOnnxModelSpecs,
  type Seq2SeqDecoderVariant,
  decoderAttentionSources,
  decoderInterface,
  decoderLengths,
  decoderSpecs,
  encoderAttentionsName,
  encoderInterface,
} from './seq2seq-onnx-interface';

interface T5Sizes {
  readonly dModel: number;
  readonly dKv: number;
  readonly heads: number;
  readonly vocab: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly numBuckets: number;
  readonly maxDistance: number;
  readonly epsilon: number;
  readonly gated: boolean;
  readonly activation: string;
  readonly tied: boolean;
}

function t5Sizes(config: Record<string, unknown>): T5Sizes {
  if (config.model_type !== 't5') {
    throw new InvalidInputError(`t5OnnxModelSpecs reads model_type 't5', got ${JSON.stringify(config.model_type)}.`, { code: 'INVALID_ARGUMENT' });
  }
  const proj = String(config.feed_forward_proj ?? 'relu');
  const gated = proj.startsWith('gated-');
  const encoderLayers = configNumber(config, 'num_layers');
  return {
    dModel: configNumber(config, 'd_model'),
    dKv: configNumber(config, 'd_kv'),
    heads: configNumber(config, 'num_heads'),
    vocab: configNumber(config, 'vocab_size'),
    encoderLayers,
    decoderLayers: configNumber(config, 'num_decoder_layers', encoderLayers),
    numBuckets: configNumber(config, 'relative_attention_num_buckets', 32),
    maxDistance: configNumber(config, 'relative_attention_max_distance', 128),
    epsilon: configNumber(config, 'layer_norm_epsilon', 1e-6),
    gated,
    // transformers maps 'gated-gelu' to gelu_new; other names map to themselves.
    activation: gated ? (proj === 'gated-gelu' ? 'gelu_new' : proj.slice('gated-'.length)) : proj,
    tied: config.tie_word_embeddings !== false,
  };
}

/** The pieces of `modeling_t5.py` a T5 graph is made of. */
class T5Graph {
  readonly ops: Seq2SeqGraphOps;
  readonly sizes: T5Sizes;

  constructor(weights: Record<string, NamedWeight>, sizes: T5Sizes) {
    this.ops = new Seq2SeqGraphOps(weights);
    this.sizes = sizes;
  }

  /**
   * Block 0's relative position bias `[1, heads, queries, keys]` for `relative` (`key − query`,
   * int64). Every distance of `maxDistance` or more falls in the last bucket of its half, so
   * clipping `key − query` to `[−maxDistance, maxDistance]` and reading a constant table of the
   * `2 · maxDistance + 1` buckets (from {@link t5RelativePositionBucket}) is exact at any length:
   * no Log / Div / Min in the graph, and no `[max, max]` table.
   */
  positionBias(stack: 'encoder' | 'decoder', relative: string): string {
    const { ops } = this;
    const { g } = ops;
    const { numBuckets, maxDistance } = this.sizes;
    const bidirectional = stack === 'encoder';
    const table = g.constant(
      `${stack}_relative_position_buckets`,
      'int64',
      [2 * maxDistance + 1],
      Array.from({ length: 2 * maxDistance + 1 }, (_, i) => t5RelativePositionBucket(i - maxDistance, bidirectional, numBuckets, maxDistance)),
    );
    // In the scope of block 0's self-attention, which holds the table in HF.
    return g.module(`${stack}.block.0.layer.0.SelfAttention`, () => {
      const clipped = g.one('Clip', [relative, g.constant('const_minus_max_distance', 'int64', [], [-maxDistance]), g.constant('const_max_distance', 'int64', [], [maxDistance])]);
      const buckets = g.one('Gather', [table, g.one('Add', [clipped, g.constant('const_max_distance', 'int64', [], [maxDistance])])]);
      const values = g.module(`${stack}.block.0.layer.0.SelfAttention.relative_attention_bias`, () =>
        g.one('Gather', [ops.weight(`${stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`), buckets]),
      );
      return g.one('Unsqueeze', [g.one('Transpose', [values], { perm: Seq2SeqGraphOps.ints([2, 0, 1]) }), ops.int64('const_axis_0', [0])]);
    });
  }

  modules(prefix: string): AttentionModules {
    const { heads, dKv } = this.sizes;
    return { query: `${prefix}.q`, key: `${prefix}.k`, value: `${prefix}.v`, output: `${prefix}.o`, heads, headDim: dKv, scale: 1 };
  }

  norm(x: string, weightName: string): string {
    return this.ops.rmsNorm(x, weightName, this.sizes.epsilon);
  }

  /** Pre-norm residual `x + f(RMSNorm(x))` of sublayer `prefix` (`….layer.{j}`). */
  residual(x: string, prefix: string, sublayer: (input: string) => string): string {
    const update = sublayer(this.norm(x, `${prefix}.layer_norm.weight`));
    return this.ops.g.module(prefix, () => this.ops.g.one('Add', [x, update]));
  }

  /** `wo(act(wi x))`, or `wo(act(wi_0 x) · wi_1 x)` when gated. */
  feedForward(x: string, prefix: string): string {
    const { ops } = this;
    const dense = `${prefix}.DenseReluDense`;
    const projected = ops.linear(x, `${dense}.${this.sizes.gated ? 'wi_0' : 'wi'}`);
    let hidden = ops.g.module(`${dense}.act`, () => ops.activation(projected, this.sizes.activation));
    if (this.sizes.gated) {
      const gate = ops.linear(x, `${dense}.wi_1`);
      hidden = ops.g.module(dense, () => ops.g.one('Mul', [hidden, gate]));
    }
    return ops.linear(hidden, `${dense}.wo`);
  }
}

function t5EncoderSpec(weights: Record<string, NamedWeight>, sizes: T5Sizes, outputAttentions: boolean): OnnxModelSpec {
  const graph = new T5Graph(weights, sizes);
  const { ops } = graph;
  ops.g.module('encoder', () => {
    let x = ops.g.module('encoder.embed_tokens', () => ops.g.one('Gather', [ops.weight('shared.weight'), 'input_ids']));
    const positionBias = graph.positionBias('encoder', ops.relativePositions(ops.int64('const_zero_i', [0]), ops.dim('input_ids', 1)));
    const paddingBias = ops.keyPaddingBias('attention_mask');
    for (let block = 0; block < sizes.encoderLayers; block++) {
      const p = `encoder.block.${block}.layer`;
      const weightsName = outputAttentions ? encoderAttentionsName(block) : undefined;
      x = graph.residual(x, `${p}.0`, (input) => ops.attention(input, graph.modules(`${p}.0.SelfAttention`), { bias: [positionBias, paddingBias], weightsName }));
      x = graph.residual(x, `${p}.1`, (input) => graph.feedForward(input, `${p}.1`));
    }
    ops.g.one('Identity', [graph.norm(x, 'encoder.final_layer_norm.weight')], undefined, 'last_hidden_state');
  });
  const attentions = outputAttentions ? { layers: sizes.encoderLayers, heads: sizes.heads } : undefined;
  return { opsetVersion: 17, graphName: 'main_graph', ...encoderInterface(sizes.dModel, attentions), initializers: ops.g.initializers, nodes: ops.g.nodes };
}

function t5DecoderSpec(weights: Record<string, NamedWeight>, sizes: T5Sizes, variant: Seq2SeqDecoderVariant, outputAttentions: boolean): OnnxModelSpec {
  const graph = new T5Graph(weights, sizes);
  const { ops } = graph;
  const { g } = ops;
  let y = g.module('decoder', () => {
  const { past, total, crossChoice } = decoderLengths(ops, variant);
  let y = g.module('decoder.embed_tokens', () => g.one('Gather', [ops.weight('shared.weight'), 'input_ids']));
  // Queries at positions past…total − 1: the bias only sees distances, the mask only order.
  const relative = ops.relativePositions(past, total);
  const selfBias = [graph.positionBias('decoder', relative), ops.causalBias(relative)];
  const sourceBias = ops.keyPaddingBias('encoder_attention_mask');
  for (let block = 0; block < sizes.decoderLayers; block++) {
    const p = `decoder.block.${block}.layer`;
    const names = decoderAttentionSources(block, variant, outputAttentions, crossChoice);
    y = graph.residual(y, `${p}.0`, (input) => ops.attention(input, graph.modules(`${p}.0.SelfAttention`), { ...names.self, bias: selfBias }));
    y = graph.residual(y, `${p}.1`, (input) => ops.attention(input, graph.modules(`${p}.1.EncDecAttention`), { ...names.cross, bias: [sourceBias] }));
    y = graph.residual(y, `${p}.2`, (input) => graph.feedForward(input, `${p}.2`));
  }
  return graph.norm(y, 'decoder.final_layer_norm.weight');
  });
  if (sizes.tied) y = g.one('Mul', [y, ops.scalar('const_output_scale', sizes.dModel ** -0.5)]);
  const head = ops.hasWeight('lm_head.weight') ? ops.weight('lm_head.weight') : ops.weight('shared.weight');
  g.one('Identity', [ops.project(y, head)], undefined, 'logits');
  const interfaceSizes = { dModel: sizes.dModel, vocab: sizes.vocab, layers: sizes.decoderLayers, heads: sizes.heads, headDim: sizes.dKv };
  return { opsetVersion: 17, graphName: 'main_graph', ...decoderInterface(interfaceSizes, variant, outputAttentions), initializers: g.initializers, nodes: g.nodes };
}

/**
 * HF `T5ForConditionalGeneration` (t5 with ReLU, v1.1 / Flan with gated-GELU) as the graphs
 * Optimum exports and transformers.js loads, with the input and output names of
 * {@link bartOnnxModelSpecs} (`encoder_model.onnx`: `input_ids`, `attention_mask` →
 * `last_hidden_state`; `decoder_model.onnx`: `encoder_attention_mask`, `input_ids`,
 * `encoder_hidden_states` → `logits`, `present.{i}.decoder|encoder.key|value`
 * `[batch_size, heads, length, d_kv]`; with `outputAttentions` also `encoder_attentions.{i}`,
 * `decoder_attentions.{i}`, `cross_attentions.{i}`). Semantics of {@link referenceT5Forward}: unscaled
 * `shared` embeddings, pre-norm blocks with RMS norm, unscaled scores plus block 0's relative
 * position bias (bidirectional in the encoder, causal in the decoder, shared by every block;
 * written as a clipped-distance bucket table, see `positionBias`), none in cross-attention;
 * final stack norms; the decoder output × `d_model^-0.5` when tied. Positions only enter as
 * distances, so padding shifts nothing; the decoder's fed tokens still sit after the cache, as
 * Optimum's, with no decoder mask. Opset 17, standard ops.
 *
 * @param weights - by HF name, e.g. `createTinyT5().weights`.
 * @param config - the `config.json` object (`model_type: 't5'`).
 */
export function t5OnnxModelSpecs(weights: Record<string, NamedWeight>, config: Record<string, unknown>, options: Seq2SeqDecoderOnnxOptions = {}): Seq2SeqOnnxModelSpecs {
  const sizes = t5Sizes(config);
  const outputAttentions = options.outputAttentions ?? false;
  return {
    encoder: t5EncoderSpec(weights, sizes, outputAttentions),
    ...decoderSpecs(options, (variant) => t5DecoderSpec(weights, sizes, variant, outputAttentions)),
  };
}
