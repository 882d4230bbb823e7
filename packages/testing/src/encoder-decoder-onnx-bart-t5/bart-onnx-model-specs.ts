import { InvalidInputError } from '@inseq/core';
import { configNumber } from '../encoder-decoder/reference-seq2seq-ops';
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

/** HF's learned-position offset: position p reads row p + 2 of `embed_positions`. */
const positionOffset = 2;

interface BartSizes {
  readonly mbart: boolean;
  readonly dModel: number;
  readonly vocab: number;
  readonly embedScale: number;
  readonly activation: string;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly encoderHeads: number;
  readonly decoderHeads: number;
}

function bartSizes(config: Record<string, unknown>): BartSizes {
  if (config.model_type !== 'bart' && config.model_type !== 'mbart') {
    throw new InvalidInputError(`bartOnnxModelSpecs reads model_type 'bart' or 'mbart', got ${JSON.stringify(config.model_type)}.`, { code: 'INVALID_ARGUMENT' });
  }
  const dModel = configNumber(config, 'd_model');
  return {
    mbart: config.model_type === 'mbart',
    dModel,
    vocab: configNumber(config, 'vocab_size'),
    embedScale: config.scale_embedding === true ? Math.sqrt(dModel) : 1,
    activation: String(config.activation_function ?? 'gelu'),
    encoderLayers: configNumber(config, 'encoder_layers'),
    decoderLayers: configNumber(config, 'decoder_layers'),
    encoderHeads: configNumber(config, 'encoder_attention_heads'),
    decoderHeads: configNumber(config, 'decoder_attention_heads'),
  };
}

/** The pieces of `modeling_bart.py` / `modeling_mbart.py` a BART-family graph is made of. */
class BartGraph {
  readonly ops: Seq2SeqGraphOps;
  readonly sizes: BartSizes;

  constructor(weights: Record<string, NamedWeight>, sizes: BartSizes) {
    this.ops = new Seq2SeqGraphOps(weights);
    this.sizes = sizes;
  }

  /** Token embeddings × `embed_scale`, plus learned positions `[from, from + length)` (rows + 2), then `layernorm_embedding`. */
  embed(stack: 'encoder' | 'decoder', ids: string, from: string, length: string): string {
    const { ops } = this;
    const { g } = ops;
    const table = ops.weight(ops.hasWeight('model.shared.weight') ? 'model.shared.weight' : `model.${stack}.embed_tokens.weight`);
    const sum = g.module(`model.${stack}`, () => {
      let tokens = g.module(`model.${stack}.embed_tokens`, () => g.one('Gather', [table, ids]));
      if (this.sizes.embedScale !== 1) tokens = g.one('Mul', [tokens, ops.scalar('const_embed_scale', this.sizes.embedScale)]);
      const positions = g.module(`model.${stack}.embed_positions`, () => {
        const start = g.one('Add', [from, ops.int64('const_position_offset', [positionOffset])]);
        return g.one('Slice', [ops.weight(`model.${stack}.embed_positions.weight`), start, g.one('Add', [start, length]), ops.int64('const_axis_0', [0])]);
      });
      return g.one('Add', [tokens, positions]);
    });
    return ops.layerNorm(sum, `model.${stack}.layernorm_embedding`);
  }

  /** One residual sublayer: post-norm `LN(x + f(x))` (BART) or pre-norm `x + f(LN(x))` (mBART). */
  residual(x: string, norm: string, sublayer: (input: string) => string): string {
    const { ops } = this;
    // The residual Add belongs to the layer (the norm's parent module).
    const add = (a: string, b: string) => ops.g.module(norm.slice(0, norm.lastIndexOf('.')), () => ops.g.one('Add', [a, b]));
    if (this.sizes.mbart) return add(x, sublayer(ops.layerNorm(x, norm)));
    return ops.layerNorm(add(x, sublayer(x)), norm);
  }

  feedForward(x: string, layer: string): string {
    const { ops } = this;
    const activated = ops.g.module(`${layer}.activation_fn`, () => ops.activation(ops.linear(x, `${layer}.fc1`), this.sizes.activation));
    return ops.linear(activated, `${layer}.fc2`);
  }

  modules(prefix: string, heads: number): AttentionModules {
    const headDim = this.sizes.dModel / heads;
    return { query: `${prefix}.q_proj`, key: `${prefix}.k_proj`, value: `${prefix}.v_proj`, output: `${prefix}.out_proj`, heads, headDim, scale: headDim ** -0.5 };
  }

  /** mBART's stack-final `layer_norm`; BART has none. */
  finalNorm(x: string, stack: 'encoder' | 'decoder'): string {
    return this.sizes.mbart ? this.ops.layerNorm(x, `model.${stack}.layer_norm`) : x;
  }
}

function bartEncoderSpec(weights: Record<string, NamedWeight>, sizes: BartSizes, outputAttentions: boolean): OnnxModelSpec {
  const graph = new BartGraph(weights, sizes);
  const { ops } = graph;
  ops.g.module('model.encoder', () => {
    let x = graph.embed('encoder', 'input_ids', ops.int64('const_zero_i', [0]), ops.dim('input_ids', 1));
    const bias = ops.keyPaddingBias('attention_mask');
    for (let layer = 0; layer < sizes.encoderLayers; layer++) {
      const p = `model.encoder.layers.${layer}`;
      const weightsName = outputAttentions ? encoderAttentionsName(layer) : undefined;
      x = graph.residual(x, `${p}.self_attn_layer_norm`, (input) => ops.attention(input, graph.modules(`${p}.self_attn`, sizes.encoderHeads), { bias: [bias], weightsName }));
      x = graph.residual(x, `${p}.final_layer_norm`, (input) => graph.feedForward(input, p));
    }
    ops.g.one('Identity', [graph.finalNorm(x, 'encoder')], undefined, 'last_hidden_state');
  });
  const attentions = outputAttentions ? { layers: sizes.encoderLayers, heads: sizes.encoderHeads } : undefined;
  return { opsetVersion: 17, graphName: 'main_graph', ...encoderInterface(sizes.dModel, attentions), initializers: ops.g.initializers, nodes: ops.g.nodes };
}

function bartDecoderSpec(weights: Record<string, NamedWeight>, sizes: BartSizes, variant: Seq2SeqDecoderVariant, outputAttentions: boolean): OnnxModelSpec {
  const graph = new BartGraph(weights, sizes);
  const { ops } = graph;
  const { g } = ops;
  const y = g.module('model.decoder', () => {
  const { past, fed, total, crossChoice } = decoderLengths(ops, variant);
  // As Optimum's export: no decoder mask, the fed tokens sit at positions past, past + 1, …
  let y = graph.embed('decoder', 'input_ids', past, fed);
  const causal = ops.causalBias(ops.relativePositions(past, total));
  const sourceBias = ops.keyPaddingBias('encoder_attention_mask');
  for (let layer = 0; layer < sizes.decoderLayers; layer++) {
    const p = `model.decoder.layers.${layer}`;
    const names = decoderAttentionSources(layer, variant, outputAttentions, crossChoice);
    y = graph.residual(y, `${p}.self_attn_layer_norm`, (input) => ops.attention(input, graph.modules(`${p}.self_attn`, sizes.decoderHeads), { ...names.self, bias: [causal] }));
    y = graph.residual(y, `${p}.encoder_attn_layer_norm`, (input) =>
      ops.attention(input, graph.modules(`${p}.encoder_attn`, sizes.decoderHeads), { ...names.cross, bias: [sourceBias] }),
    );
    y = graph.residual(y, `${p}.final_layer_norm`, (input) => graph.feedForward(input, p));
  }
  return graph.finalNorm(y, 'decoder');
  });
  const head = ops.hasWeight('lm_head.weight')
    ? ops.weight('lm_head.weight')
    : ops.weight(ops.hasWeight('model.shared.weight') ? 'model.shared.weight' : 'model.decoder.embed_tokens.weight');
  const projected = ops.project(y, head);
  if (ops.hasWeight('final_logits_bias')) g.one('Add', [projected, ops.weight('final_logits_bias')], undefined, 'logits');
  else g.one('Identity', [projected], undefined, 'logits');
  const interfaceSizes = { dModel: sizes.dModel, vocab: sizes.vocab, layers: sizes.decoderLayers, heads: sizes.decoderHeads, headDim: sizes.dModel / sizes.decoderHeads };
  return { opsetVersion: 17, graphName: 'main_graph', ...decoderInterface(interfaceSizes, variant, outputAttentions), initializers: g.initializers, nodes: g.nodes };
}

/**
 * HF `BartForConditionalGeneration` / `MBartForConditionalGeneration` as the graphs Optimum exports
 * and transformers.js loads. `encoder` (`encoder_model.onnx`): inputs `input_ids`,
 * `attention_mask` `[batch_size, encoder_sequence_length]` int64, output `last_hidden_state`
 * `[batch_size, encoder_sequence_length, d_model]`. `decoder` (`decoder_model.onnx`): inputs
 * `encoder_attention_mask`, `input_ids` `[batch_size, decoder_sequence_length]`,
 * `encoder_hidden_states`; outputs `logits` `[batch_size, decoder_sequence_length, vocab]` and per
 * layer `present.{i}.decoder.key/value`, `present.{i}.encoder.key/value`
 * `[batch_size, heads, length, head_dim]` (plus {@link Seq2SeqDecoderOnnxOptions}' graphs and
 * outputs, `encoder_attentions.{i}` of the encoder included). As Optimum's, the decoder takes no `position_ids` nor mask of its own: the fed tokens
 * sit at positions 0… (after the cache's length with past), so decoder rows must not be
 * left-padded. Semantics of {@link referenceBartForward}: tokens × `embed_scale`, learned
 * positions at row p + 2, `layernorm_embedding`, post-norm (BART) or pre-norm with final stack
 * norms (mBART), scores × headDim^-0.5, masked keys at float32's minimum, `activation_function`
 * (exact GELU for the tiny models), logits `lm_head(y) + final_logits_bias`. Opset 17, standard ops.
 *
 * @param weights - by HF name, e.g. `createTinyBart().weights`.
 * @param config - the `config.json` object (`model_type` 'bart' or 'mbart').
 */
export function bartOnnxModelSpecs(weights: Record<string, NamedWeight>, config: Record<string, unknown>, options: Seq2SeqDecoderOnnxOptions = {}): Seq2SeqOnnxModelSpecs {
  const sizes = bartSizes(config);
  const outputAttentions = options.outputAttentions ?? false;
  return {
    encoder: bartEncoderSpec(weights, sizes, outputAttentions),
    ...decoderSpecs(options, (variant) => bartDecoderSpec(weights, sizes, variant, outputAttentions)),
  };
}
