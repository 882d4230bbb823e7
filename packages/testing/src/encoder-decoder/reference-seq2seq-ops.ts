import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from '../named-weight';

/** float32's lowest value: what HF writes as the additive score bias of a masked key. */
export const float32Min = -3.4028234663852886e38;

/** A number from config.json, or `fallback`, or an error naming the key. */
export function configNumber(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number') throw new InvalidInputError(`config.${key} must be a number, got ${JSON.stringify(value)}.`, { code: 'INVALID_ARGUMENT' });
  return value;
}

/** Looks weights up by HF name; `required` throws naming the missing one. */
export function weightLookup(weights: Record<string, NamedWeight>) {
  const optional = (name: string): Float32Array | undefined => weights[name]?.data;
  const required = (name: string): Float32Array => {
    const found = weights[name];
    if (!found) throw new InvalidInputError(`Missing weight '${name}'.`, { code: 'INVALID_ARGUMENT' });
    return found.data;
  };
  return { optional, required };
}

/** y[out] = W[out, in] · x (+ b), W row-major `[out, in]` as nn.Linear stores it. */
export function linear(x: Float64Array, w: Float32Array, outSize: number, bias?: Float32Array): Float64Array {
  const inSize = x.length;
  const y = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    let sum = bias ? bias[o] : 0;
    for (let i = 0; i < inSize; i++) sum += w[o * inSize + i] * x[i];
    y[o] = sum;
  }
  return y;
}

/** nn.LayerNorm: `(x - mean) / √(var + ε) · w + b` with the biased variance; ε 1e-5 (PyTorch's default, used by BART and Marian). */
export function layerNorm(x: Float64Array, w: Float32Array, b: Float32Array, eps = 1e-5): Float64Array {
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
  const scale = 1 / Math.sqrt(variance + eps);
  return x.map((v, i) => (v - mean) * scale * w[i] + b[i]);
}

/** T5LayerNorm: `x / √(mean(x²) + ε) · w`, no mean subtraction and no bias. */
export function rmsNorm(x: Float64Array, w: Float32Array, eps: number): Float64Array {
  const meanSquare = x.reduce((a, v) => a + v * v, 0) / x.length;
  const scale = 1 / Math.sqrt(meanSquare + eps);
  return x.map((v, i) => v * scale * w[i]);
}

/**
 * erf to float64 precision (within 1e-15 of tabulated values): its Maclaurin series below |x| = 2
 * (terms stay below 10, so little cancels), else 1 − erfc from the Laplace continued fraction,
 * 200 levels deep (at |x| = 3 the series would lose two digits to cancellation).
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  let result: number;
  if (z < 2) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    result = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let fraction = z;
    for (let n = 200; n >= 1; n--) fraction = z + n / 2 / fraction;
    result = 1 - Math.exp(-z * z) / (Math.sqrt(Math.PI) * fraction);
  }
  return x < 0 ? -result : result;
}

/** transformers' ACT2FN by name: `gelu` (erf), `gelu_new` / `gelu_pytorch_tanh` (tanh), `swish` / `silu`, `relu`. */
export function activation(name: string): (x: number) => number {
  switch (name) {
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'swish':
    case 'silu':
      return (x) => x / (1 + Math.exp(-x));
    case 'relu':
      return (x) => Math.max(0, x);
    default:
      throw new InvalidInputError(`Activation '${name}' is not supported by the reference; supported: gelu, gelu_new, gelu_pytorch_tanh, swish, silu, relu.`, { code: 'INVALID_ARGUMENT' });
  }
}

/** One attention's result for one sequence. */
export interface AttentionResult {
  /** Per query, the heads' outputs concatenated, `[heads · headDim]` (before the output projection). */
  context: Float64Array[];
  /** Softmax weights `[heads, queries, keys]`. */
  weights: Float64Array;
}

/**
 * Softmax attention of one sequence, heads laid out as `[heads · headDim]` in each projected row
 * (HF's `view(bsz, len, heads, headDim)`). A key that `visible(t, s)` rejects gets float32's
 * minimum as its score, as HF's additive masks give it (so a fully masked row comes out uniform,
 * as in HF's eager attention).
 */
export function attend(
  queries: readonly Float64Array[],
  keys: readonly Float64Array[],
  values: readonly Float64Array[],
  heads: number,
  headDim: number,
  scale: number,
  visible: (query: number, key: number) => boolean,
  bias?: (head: number, query: number, key: number) => number,
): AttentionResult {
  const [queryLength, keyLength] = [queries.length, keys.length];
  const weights = new Float64Array(heads * queryLength * keyLength);
  const context = queries.map(() => new Float64Array(heads * headDim));
  const scores = new Float64Array(keyLength);
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < queryLength; t++) {
      for (let s = 0; s < keyLength; s++) {
        if (!visible(t, s)) {
          scores[s] = float32Min;
          continue;
        }
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += queries[t][h * headDim + d] * keys[s][h * headDim + d];
        scores[s] = dot * scale + (bias ? bias(h, t, s) : 0);
      }
      const max = Math.max(...scores);
      let total = 0;
      for (let s = 0; s < keyLength; s++) total += Math.exp(scores[s] - max);
      for (let s = 0; s < keyLength; s++) {
        const weight = Math.exp(scores[s] - max) / total;
        weights[(h * queryLength + t) * keyLength + s] = weight;
        for (let d = 0; d < headDim; d++) context[t][h * headDim + d] += weight * values[s][h * headDim + d];
      }
    }
  }
  return { context, weights };
}

/** Rows `ids` of an embedding table `[vocab, width]`, as float64. */
export function embedRows(table: Float32Array, width: number, ids: readonly number[]): Float64Array[] {
  return ids.map((id) => {
    if (!Number.isInteger(id) || id < 0 || (id + 1) * width > table.length) {
      throw new InvalidInputError(`Token id ${id} is outside the embedding table of ${table.length / width} rows.`, { code: 'INVALID_ARGUMENT' });
    }
    return Float64Array.from(table.subarray(id * width, (id + 1) * width));
  });
}
