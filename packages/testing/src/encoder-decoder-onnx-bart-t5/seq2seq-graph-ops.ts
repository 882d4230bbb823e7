import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from '../named-weight';
import { GraphBuilder } from '../onnx-graph-builder';
import type { OnnxAttributeValue } from '../onnx-model-spec';

/** float32's lowest value: HF's additive score bias for a masked key (`torch.finfo(float32).min`). */
const maskedScore = -3.4028234663852886e38;

const ints = (value: number[]): OnnxAttributeValue => ({ kind: 'ints', value });
const int = (value: number): OnnxAttributeValue => ({ kind: 'int', value });

/** The modules of one attention: `nn.Linear` names (`.weight`, and `.bias` when stored) and its shape. */
export interface AttentionModules {
  readonly query: string;
  readonly key: string;
  readonly value: string;
  readonly output: string;
  readonly heads: number;
  readonly headDim: number;
  /** Multiplies `q·k` (BART `headDim^-0.5`, T5 1). */
  readonly scale: number;
}

/** Where one attention takes its keys and values from, and which of its values become graph outputs. */
export interface AttentionSources {
  /** Keys and values projected from this `[batch, keys, dModel]` value (default: the queries' input). */
  readonly memory?: string;
  /** Keys and values `[batch, heads, keys, headDim]` read from a cache instead of projected. */
  readonly cached?: { readonly keys: string; readonly values: string };
  /** Cached keys and values the projections are appended to on the key axis (a self-attention cache). */
  readonly appendTo?: { readonly keys: string; readonly values: string };
  /**
   * Rows `[start, start + length)` (int64 `[1]` values) of `Concat(cache, projection)` on the key
   * axis: the merged decoder's choice between the cross-attention cache and the projection.
   */
  readonly chooseFrom?: { readonly keys: string; readonly values: string; readonly start: string; readonly length: string };
  /** Additive biases of the scores, broadcast to `[batch, heads, queries, keys]`. */
  readonly bias: readonly string[];
  readonly keysName?: string;
  readonly valuesName?: string;
  readonly weightsName?: string;
}

/**
 * ONNX nodes (opset 17, default domain) shared by the BART-family and T5 graph writers, written
 * into one {@link GraphBuilder}, named by module scope as torch.onnx names them (a linear, a norm
 * or an attention in the scope of its HF module name, `/model/encoder/layers.0/self_attn/q_proj/MatMul`). Weights keep their HF names as initializers; `nn.Linear` weights
 * are transposed by a node that ONNX Runtime folds.
 */
export class Seq2SeqGraphOps {
  readonly g = new GraphBuilder();
  private readonly weights: Record<string, NamedWeight>;

  constructor(weights: Record<string, NamedWeight>) {
    this.weights = weights;
  }

  static readonly ints = ints;
  static readonly int = int;

  /** An initializer with the weight's HF name. */
  weight(name: string): string {
    const found = this.weights[name];
    if (!found) throw new InvalidInputError(`Missing weight '${name}'.`, { code: 'INVALID_ARGUMENT' });
    return this.g.weight(name, found);
  }

  hasWeight(name: string): boolean {
    return Object.hasOwn(this.weights, name);
  }

  int64(name: string, values: number[]): string {
    return this.g.constant(name, 'int64', [values.length], values);
  }

  scalar(name: string, value: number): string {
    return this.g.constant(name, 'float', [], [value]);
  }

  /** Dim `axis` of `x`'s shape as an int64 `[1]`. */
  dim(x: string, axis: number): string {
    return this.g.one('Slice', [this.g.one('Shape', [x]), this.int64(`const_index_${axis}`, [axis]), this.int64(`const_index_${axis + 1}`, [axis + 1])]);
  }

  /** `x @ W^T (+ b)` of the `nn.Linear` named `module` (bias when the checkpoint stores one). */
  linear(x: string, module: string): string {
    return this.g.module(module, () => {
      const transposed = this.g.one('Transpose', [this.weight(`${module}.weight`)], { perm: ints([1, 0]) });
      const product = this.g.one('MatMul', [x, transposed]);
      return this.hasWeight(`${module}.bias`) ? this.g.one('Add', [product, this.weight(`${module}.bias`)]) : product;
    });
  }

  /** `nn.LayerNorm` of `module` (ε 1e-5, PyTorch's default that BART keeps). */
  layerNorm(x: string, module: string): string {
    return this.g.module(module, () =>
      this.g.one('LayerNormalization', [x, this.weight(`${module}.weight`), this.weight(`${module}.bias`)], {
        axis: int(-1),
        epsilon: { kind: 'float', value: 1e-5 },
      }),
    );
  }

  /** T5's RMS norm `x / √(mean(x²) + ε) · w` (no mean subtraction, no bias), from ReduceMean / Sqrt, in the scope of the weight's module. */
  rmsNorm(x: string, weightName: string, epsilon: number): string {
    const { g } = this;
    return g.module(weightName.replace(/\.weight$/, ''), () => {
      const meanSquare = g.one('ReduceMean', [g.one('Mul', [x, x])], { axes: ints([-1]), keepdims: int(1) });
      const root = g.one('Sqrt', [g.one('Add', [meanSquare, this.scalar(`const_rms_epsilon_${epsilon}`, epsilon)])]);
      return g.one('Mul', [g.one('Div', [x, root]), this.weight(weightName)]);
    });
  }

  /** transformers' `ACT2FN[name]`: `gelu` (erf), `gelu_new` (tanh), `relu`, `swish` / `silu`. */
  activation(x: string, name: string): string {
    const { g } = this;
    switch (name) {
      case 'gelu': {
        const erf = g.one('Erf', [g.one('Div', [x, this.scalar('const_sqrt_2', Math.SQRT2)])]);
        return g.one('Mul', [g.one('Mul', [x, this.scalar('const_half', 0.5)]), g.one('Add', [erf, this.scalar('const_one', 1)])]);
      }
      case 'gelu_new':
      case 'gelu_pytorch_tanh': {
        const cubic = g.one('Mul', [this.scalar('const_gelu_cubic', 0.044715), g.one('Mul', [x, g.one('Mul', [x, x])])]);
        const tanh = g.one('Tanh', [g.one('Mul', [this.scalar('const_gelu_scale', Math.sqrt(2 / Math.PI)), g.one('Add', [x, cubic])])]);
        return g.one('Mul', [g.one('Mul', [x, this.scalar('const_half', 0.5)]), g.one('Add', [tanh, this.scalar('const_one', 1)])]);
      }
      case 'relu':
        return g.one('Relu', [x]);
      case 'swish':
      case 'silu':
        return g.one('Mul', [x, g.one('Sigmoid', [x])]);
      default:
        throw new InvalidInputError(`Activation '${name}' has no ONNX writer here; supported: gelu, gelu_new, gelu_pytorch_tanh, relu, swish, silu.`, { code: 'INVALID_ARGUMENT' });
    }
  }

  /** `[batch, seq]` 0/1 int64 mask → additive bias `[batch, 1, 1, seq]`: 0 for tokens, float32's minimum for padding. */
  keyPaddingBias(mask: string): string {
    const keep = this.g.one('Unsqueeze', [this.g.one('Cast', [mask], { to: int(9) }), this.int64('const_axes_1_2', [1, 2])]);
    return this.g.one('Where', [keep, this.scalar('const_zero', 0), this.scalar('const_masked_score', maskedScore)]);
  }

  /**
   * `[queries, keys]` int64 `key − query` for queries at positions `[past, total)` and keys at
   * `[0, total)` (`past`, `total` int64 `[1]`), from two `Range`s: no table bounded by a maximum length.
   */
  relativePositions(past: string, total: string): string {
    const { g } = this;
    const scalar = (x: string) => g.one('Squeeze', [x, this.int64('const_axis_0', [0])]);
    const step = this.g.constant('const_one_i_scalar', 'int64', [], [1]);
    const queries = g.one('Range', [scalar(past), scalar(total), step]);
    const keys = g.one('Range', [this.g.constant('const_zero_i_scalar', 'int64', [], [0]), scalar(total), step]);
    return g.one('Sub', [g.one('Unsqueeze', [keys, this.int64('const_axis_0', [0])]), g.one('Unsqueeze', [queries, this.int64('const_axis_1', [1])])]);
  }

  /** Causal bias `[queries, keys]` from {@link relativePositions}: 0 for keys at or before the query, float32's minimum after. */
  causalBias(relative: string): string {
    const visible = this.g.one('LessOrEqual', [relative, this.g.constant('const_zero_i_scalar', 'int64', [], [0])]);
    return this.g.one('Where', [visible, this.scalar('const_zero', 0), this.scalar('const_masked_score', maskedScore)]);
  }

  /** `[batch, len, heads · headDim]` → `[batch, heads, len, headDim]`. */
  splitHeads(x: string, heads: number, headDim: number): string {
    const shape = this.int64(`const_heads_shape_${heads}_${headDim}`, [0, 0, heads, headDim]);
    return this.g.one('Transpose', [this.g.one('Reshape', [x, shape])], { perm: ints([0, 2, 1, 3]) });
  }

  /**
   * One multi-head attention: `softmax(scale · q·kᵀ + Σ bias) · v`, heads merged and projected by
   * `modules.output`. Returns the projected output; keys, values and weights get the names asked.
   */
  attention(x: string, modules: AttentionModules, sources: AttentionSources): string {
    // The attention module's scope: its query projection's name without the projection.
    return this.g.module(modules.query.slice(0, modules.query.lastIndexOf('.')), () => this.attentionNodes(x, modules, sources));
  }

  private attentionNodes(x: string, modules: AttentionModules, sources: AttentionSources): string {
    const { g } = this;
    const { heads, headDim } = modules;
    const queries = this.splitHeads(this.linear(x, modules.query), heads, headDim);
    let keys: string;
    let values: string;
    if (sources.cached) {
      keys = sources.cached.keys;
      values = sources.cached.values;
    } else {
      const memory = sources.memory ?? x;
      keys = this.splitHeads(this.linear(memory, modules.key), heads, headDim);
      values = this.splitHeads(this.linear(memory, modules.value), heads, headDim);
      if (sources.appendTo) {
        keys = g.one('Concat', [sources.appendTo.keys, keys], { axis: int(2) });
        values = g.one('Concat', [sources.appendTo.values, values], { axis: int(2) });
      }
      const choice = sources.chooseFrom;
      if (choice) {
        const end = g.one('Add', [choice.start, choice.length]);
        const pick = (cache: string, projected: string) =>
          g.one('Slice', [g.one('Concat', [cache, projected], { axis: int(2) }), choice.start, end, this.int64('const_index_2', [2])]);
        keys = pick(choice.keys, keys);
        values = pick(choice.values, values);
      }
    }
    if (sources.keysName) keys = g.one('Identity', [keys], undefined, sources.keysName);
    if (sources.valuesName) values = g.one('Identity', [values], undefined, sources.valuesName);
    let scores = g.one('MatMul', [queries, g.one('Transpose', [keys], { perm: ints([0, 1, 3, 2]) })]);
    if (modules.scale !== 1) scores = g.one('Mul', [scores, this.scalar(`const_score_scale_${headDim}`, modules.scale)]);
    for (const bias of sources.bias) scores = g.one('Add', [scores, bias]);
    const weights = g.one('Softmax', [scores], { axis: int(-1) }, sources.weightsName);
    const context = g.one('Transpose', [g.one('MatMul', [weights, values])], { perm: ints([0, 2, 1, 3]) });
    const merged = g.one('Reshape', [context, this.int64(`const_merged_shape_${heads * headDim}`, [0, 0, heads * headDim])]);
    return this.linear(merged, modules.output);
  }

  /** `y · headᵀ` with `head` an `[vocab, dModel]` value: the LM head. */
  project(y: string, head: string): string {
    return this.g.module('lm_head', () => this.g.one('MatMul', [y, this.g.one('Transpose', [head], { perm: ints([1, 0]) })]));
  }
}
