import { defineAggregationFunction } from '../aggregation-function';

/**
 * Euclidean (L2) norm of the values (Inseq `vnorm`, `torch.linalg.vector_norm(ord=2)`): the
 * default reduction of the hidden dimension of gradient attributions. Always ≥ 0.
 */
export const vnorm = defineAggregationFunction({
  name: 'vnorm',
  description: 'Euclidean (L2) norm of the values.',
  reduce(values) {
    // Squares of float32 values neither overflow nor underflow in float64, so no rescaling.
    let squares = 0;
    for (let i = 0; i < values.length; i++) squares += values[i] * values[i];
    return Math.sqrt(squares);
  },
});
