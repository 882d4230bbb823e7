import { InvalidInputError } from '@inseq/core';
import { marianSinusoidalPositions } from '../encoder-decoder/marian-sinusoidal-positions';
import type { NamedWeight } from '../named-weight';
import { GraphBuilder } from '../onnx-graph-builder';
import type { OnnxAttributeValue } from '../onnx-model-spec';

/** float32's lowest value: HF's additive score bias for a masked key (`torch.finfo(float32).min`). */
const maskedScore = -3.4028234663852886e38;

function configNumber(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  if (typeof value !== 'number') throw new InvalidInputError(`config.${key} must be a number, got ${JSON.stringify(value)}.`, { code: 'INVALID_ARGUMENT' });
  return value;
}

/** Sizes of a Marian config that its graphs need. */
export interface MarianSizes {
  readonly dModel: number;
  readonly vocab: number;
  readonly maxPositions: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly encoderHeads: number;
  readonly decoderHeads: number;
}

/** Reads {@link MarianSizes} from `config.json`, checking it is a post-norm Marian with swish. */
export function marianSizes(config: Record<string, unknown>): MarianSizes {
  if (config.model_type !== 'marian') {
    throw new InvalidInputError(`The Marian ONNX writer reads model_type 'marian', got ${JSON.stringify(config.model_type)}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (config.activation_function !== 'swish' || config.normalize_before === true) {
    throw new InvalidInputError('The Marian ONNX writer covers opus-mt shapes only: swish feed-forward, post-LayerNorm blocks.', { code: 'INVALID_ARGUMENT' });
  }
  return {
    dModel: configNumber(config, 'd_model'),
    vocab: configNumber(config, 'vocab_size'),
    maxPositions: configNumber(config, 'max_position_embeddings'),
    encoderLayers: configNumber(config, 'encoder_layers'),
    decoderLayers: configNumber(config, 'decoder_layers'),
    encoderHeads: configNumber(config, 'encoder_attention_heads'),
    decoderHeads: configNumber(config, 'decoder_attention_heads'),
  };
}

/** One attention's result: the projected output and the softmax weights `[batch, heads, queries, keys]`. */
export interface AttentionValues {
  readonly output: string;
  readonly weights: string;
  /** Keys and values as `[batch, heads, keys, headDim]`, the layout of Optimum's `present.*`. */
  readonly keys: string;
  readonly values: string;
}

/**
 * The pieces of a Marian forward written as ONNX nodes into one {@link GraphBuilder}, named
 * after `modeling_marian.py`'s modules so that the encoder and decoder graphs read like it; nodes
 * are named by module scope as torch.onnx (and so Optimum) names them
 * (`/model/encoder/layers.0/self_attn/out_proj/MatMul`, `/model/decoder/layers.1/Add_2`).
 * Weights keep their HF names as initializers (`nn.Linear` weights are transposed by a node that
 * ONNX Runtime folds).
 */
export class MarianGraphBlocks {
  readonly g = new GraphBuilder();
  readonly sizes: MarianSizes;
  private readonly weights: Record<string, NamedWeight>;

  constructor(weights: Record<string, NamedWeight>, config: Record<string, unknown>) {
    this.weights = weights;
    this.sizes = marianSizes(config);
  }

  static readonly ints = (value: number[]): OnnxAttributeValue => ({ kind: 'ints', value });
  static readonly int = (value: number): OnnxAttributeValue => ({ kind: 'int', value });

  /** An initializer with the weight's HF name. */
  weight(name: string): string {
    const found = this.weights[name];
    if (!found) throw new InvalidInputError(`Missing weight '${name}'.`, { code: 'INVALID_ARGUMENT' });
    return this.g.weight(name, found);
  }

  hasWeight(name: string): boolean {
    return Object.hasOwn(this.weights, name);
  }

  /** The token embedding table of a side: `model.shared.weight` when shared. */
  embedTable(side: 'encoder' | 'decoder'): string {
    return this.weight(this.hasWeight('model.shared.weight') ? 'model.shared.weight' : `model.${side}.embed_tokens.weight`);
  }

  int64(name: string, values: number[]): string {
    return this.g.constant(name, 'int64', [values.length], values);
  }

  scalar(name: string, value: number): string {
    return this.g.constant(name, 'float', [], [value]);
  }

  /** `x @ W^T + b` of an `nn.Linear` named `prefix`. */
  linear(x: string, prefix: string): string {
    return this.g.module(prefix, () => {
      const transposed = this.g.one('Transpose', [this.weight(`${prefix}.weight`)], { perm: MarianGraphBlocks.ints([1, 0]) });
      return this.g.one('Add', [this.g.one('MatMul', [x, transposed]), this.weight(`${prefix}.bias`)]);
    });
  }

  /** `nn.LayerNorm` (ε 1e-5, PyTorch's default that Marian keeps). */
  layerNorm(x: string, prefix: string): string {
    return this.g.module(prefix, () =>
      this.g.one('LayerNormalization', [x, this.weight(`${prefix}.weight`), this.weight(`${prefix}.bias`)], {
        axis: MarianGraphBlocks.int(-1),
        epsilon: { kind: 'float', value: 1e-5 },
      }),
    );
  }

  /**
   * Token embeddings times √d_model (`scale_embedding`) plus the sinusoidal rows `[from, from + n)`
   * (Marian's `embed_positions`, not stored in the checkpoint: a constant here). `from` is an int64
   * `[1]` value name, `n` the fed length as `[1]`.
   */
  embed(side: 'encoder' | 'decoder', ids: string, from: string, length: string): string {
    const { dModel, maxPositions } = this.sizes;
    const { g } = this;
    const table = g.constant('marian_sinusoidal_positions', 'float', [maxPositions, dModel], Float32Array.from(marianSinusoidalPositions(maxPositions, dModel)));
    return g.module(`model.${side}`, () => {
      const lookup = g.module(`model.${side}.embed_tokens`, () => g.one('Gather', [this.embedTable(side), ids]));
      const tokens = g.one('Mul', [lookup, this.scalar('const_embed_scale', Math.sqrt(dModel))]);
      const positions = g.module(`model.${side}.embed_positions`, () => g.one('Slice', [table, from, g.one('Add', [from, length]), this.int64('const_axis_0', [0])]));
      return g.one('Add', [tokens, positions]);
    });
  }

  /** `[batch, seq]` 0/1 int64 mask → additive bias `[batch, 1, 1, seq]`: 0 for tokens, float32's minimum for padding. */
  keyPaddingBias(mask: string): string {
    const keep = this.g.one('Unsqueeze', [this.g.one('Cast', [mask], { to: MarianGraphBlocks.int(9) }), this.int64('const_axes_1_2', [1, 2])]);
    return this.g.one('Where', [keep, this.scalar('const_zero', 0), this.scalar('const_masked_score', maskedScore)]);
  }

  /** `[n, total]` causal bias for queries at positions `[past, total)`: 0 on and below the diagonal, float32's minimum above. */
  causalBias(past: string, total: string): string {
    const { maxPositions } = this.sizes;
    const lower = this.g.constant(
      'causal_mask',
      'bool',
      [maxPositions, maxPositions],
      Uint8Array.from({ length: maxPositions * maxPositions }, (_, i) => (i % maxPositions <= Math.floor(i / maxPositions) ? 1 : 0)),
    );
    const starts = this.g.one('Concat', [past, this.int64('const_zero_i', [0])], { axis: MarianGraphBlocks.int(0) });
    const ends = this.g.one('Concat', [total, total], { axis: MarianGraphBlocks.int(0) });
    const slice = this.g.one('Slice', [lower, starts, ends, this.int64('const_axes_0_1', [0, 1])]);
    return this.g.one('Where', [slice, this.scalar('const_zero', 0), this.scalar('const_masked_score', maskedScore)]);
  }

  /** `[batch, len, dModel]` → `[batch, heads, len, headDim]`. */
  splitHeads(x: string, heads: number): string {
    const shape = this.int64(`const_heads_shape_${heads}`, [0, 0, heads, this.sizes.dModel / heads]);
    return this.g.one('Transpose', [this.g.one('Reshape', [x, shape])], { perm: MarianGraphBlocks.ints([0, 2, 1, 3]) });
  }

  /**
   * `MarianAttention`: projections of `prefix`, scores `q·k / √headDim` plus `bias`, softmax over
   * keys. `keys` / `values` given (a KV cache) replace the projections of `memory`;
   * `appendTo` concatenates this step's keys and values after a cached past on the sequence axis.
   */
  attention(
    prefix: string,
    heads: number,
    x: string,
    options: { memory?: string; cached?: { keys: string; values: string }; appendTo?: { keys: string; values: string }; bias: string[]; keysName?: string; valuesName?: string; weightsName?: string },
  ): AttentionValues {
    return this.g.module(prefix, () => this.attentionNodes(prefix, heads, x, options));
  }

  private attentionNodes(
    prefix: string,
    heads: number,
    x: string,
    options: { memory?: string; cached?: { keys: string; values: string }; appendTo?: { keys: string; values: string }; bias: string[]; keysName?: string; valuesName?: string; weightsName?: string },
  ): AttentionValues {
    const { g } = this;
    const headDim = this.sizes.dModel / heads;
    const queries = this.splitHeads(this.linear(x, `${prefix}.q_proj`), heads);
    let keys: string;
    let values: string;
    if (options.cached) {
      keys = g.one('Identity', [options.cached.keys]);
      values = g.one('Identity', [options.cached.values]);
    } else {
      const memory = options.memory ?? x;
      keys = this.splitHeads(this.linear(memory, `${prefix}.k_proj`), heads);
      values = this.splitHeads(this.linear(memory, `${prefix}.v_proj`), heads);
      if (options.appendTo) {
        keys = g.one('Concat', [options.appendTo.keys, keys], { axis: MarianGraphBlocks.int(2) });
        values = g.one('Concat', [options.appendTo.values, values], { axis: MarianGraphBlocks.int(2) });
      }
    }
    if (options.keysName) keys = g.one('Identity', [keys], undefined, options.keysName);
    if (options.valuesName) values = g.one('Identity', [values], undefined, options.valuesName);
    const keysTransposed = g.one('Transpose', [keys], { perm: MarianGraphBlocks.ints([0, 1, 3, 2]) });
    let scores = g.one('Mul', [g.one('MatMul', [queries, keysTransposed]), this.scalar(`const_score_scale_${headDim}`, 1 / Math.sqrt(headDim))]);
    for (const bias of options.bias) scores = g.one('Add', [scores, bias]);
    const weights = g.one('Softmax', [scores], { axis: MarianGraphBlocks.int(-1) }, options.weightsName);
    const context = g.one('MatMul', [weights, values]);
    const merged = g.one('Reshape', [g.one('Transpose', [context], { perm: MarianGraphBlocks.ints([0, 2, 1, 3]) }), this.int64('const_merged_shape', [0, 0, this.sizes.dModel])]);
    return { output: this.linear(merged, `${prefix}.out_proj`), weights, keys, values };
  }

  /** Post-norm residual `LN(x + update)`, the `Add` in the scope of `layer` (the norm in its own). */
  residual(x: string, update: string, norm: string, layer: string): string {
    return this.layerNorm(this.g.module(layer, () => this.g.one('Add', [x, update])), norm);
  }

  /** `fc2(swish(fc1(x)))`, swish as `x · sigmoid(x)` (module `activation_fn` of layer `prefix`). */
  feedForward(x: string, prefix: string): string {
    const inner = this.linear(x, `${prefix}.fc1`);
    const activated = this.g.module(`${prefix}.activation_fn`, () => this.g.one('Mul', [inner, this.g.one('Sigmoid', [inner])]));
    return this.linear(activated, `${prefix}.fc2`);
  }

  /** Dim `axis` of `x`'s shape as an int64 `[1]`. */
  dim(x: string, axis: number): string {
    return this.g.one('Slice', [this.g.one('Shape', [x]), this.int64(`const_index_${axis}`, [axis]), this.int64(`const_index_${axis + 1}`, [axis + 1])]);
  }
}
