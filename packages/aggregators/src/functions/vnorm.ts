import { InvalidInputError } from '@inseq/core';
import { defineAggregationFunction } from '../aggregation-function';

/**
 * Vector p-norm of the values (Inseq `vnorm`, `torch.linalg.vector_norm(ord=…)`), the default
 * reduction of the hidden dimension of gradient attributions. The order is the `vnormOrd` option
 * (Inseq's `ord`): 2 (Euclidean, the default), 1, `Infinity` (largest magnitude) or any p > 0.
 * Always ≥ 0; NaN in gives NaN.
 */
export const vnorm = defineAggregationFunction({
  name: 'vnorm',
  description: 'Vector p-norm of the values (option vnormOrd, default 2).',
  reduce(values, options) {
    const ord = options?.vnormOrd ?? 2;
    if (typeof ord !== 'number' || !(ord > 0)) {
      throw new InvalidInputError(`vnormOrd must be a number > 0 (1, 2, Infinity, …), got ${String(ord)}.`, { code: 'INVALID_ARGUMENT' });
    }
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
