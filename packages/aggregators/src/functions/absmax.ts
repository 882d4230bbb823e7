import { defineAggregationFunction } from '../aggregation-function';

/**
 * The value with the largest magnitude, sign kept (Inseq `absmax`: `gather(argmax(abs))`), e.g.
 * `[0.3, -0.7, 0.1]` → `-0.7`. On a tie the first such value wins, as `argmax` does.
 */
export const absmax = defineAggregationFunction({
  name: 'absmax',
  description: 'Value with the largest absolute value, sign kept.',
  reduce(values) {
    let best = values[0];
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) return Number.NaN;
      if (Math.abs(values[i]) > Math.abs(best)) best = values[i];
    }
    return best;
  },
});
