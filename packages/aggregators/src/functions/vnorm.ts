import { defineOptions, jsonOption } from '@inseq/core';
import { defineAggregationFunction } from '../aggregation-function';

/**
 * A norm order: a number > 0, `Infinity` included, or `'inf'` / `'Infinity'` (JSON has no
 * infinity; Python writes `float('inf')`); undefined when invalid.
 */
export function parseNormOrder(value: unknown): number | undefined {
  const order = value === 'inf' || value === 'Infinity' ? Number.POSITIVE_INFINITY : value;
  return typeof order === 'number' && order > 0 ? order : undefined;
}

const options = defineOptions({
  ord: jsonOption({
    default: 2,
    expected: "a number > 0 (1, 2, …) or 'inf'",
    parse: parseNormOrder,
    description: "Order of the norm (Inseq's vnorm ord): 2 Euclidean, 1, 'inf' (largest magnitude) or any p > 0.",
  }),
});

/**
 * Vector p-norm of the values (Inseq `vnorm`, `torch.linalg.vector_norm(ord=…)`), the default
 * reduction of the hidden dimension of gradient attributions. The order is its option `ord`
 * (Inseq's name; aggregators take it as `vnorm_ord`): 2 (Euclidean, the default), 1, `Infinity`
 * (largest magnitude) or any p > 0, checked once by the option spec, not per call. Always ≥ 0;
 * NaN in gives NaN.
 */
export const vnorm = defineAggregationFunction({
  name: 'vnorm',
  description: 'Vector p-norm of the values (option ord, default 2).',
  options,
  reduce(values, parsed) {
    const ord = parsed?.ord ?? 2;
    if (ord === Number.POSITIVE_INFINITY) {
      let largest = 0;
      for (let i = 0; i < values.length; i++) {
        if (Number.isNaN(values[i])) return Number.NaN;
        largest = Math.max(largest, Math.abs(values[i]));
      }
      return largest;
    }
    // Powers of float32 values stay in float64 range for the orders used in practice (≤ 8).
    let total = 0;
    if (ord === 2) for (let i = 0; i < values.length; i++) total += values[i] * values[i];
    else if (ord === 1) for (let i = 0; i < values.length; i++) total += Math.abs(values[i]);
    else for (let i = 0; i < values.length; i++) total += Math.abs(values[i]) ** ord;
    if (ord === 1) return total;
    return ord === 2 ? Math.sqrt(total) : total ** (1 / ord);
  },
});
