import { defineAggregationFunction } from '../aggregation-function';

/**
 * The value with the largest magnitude, sign kept (Inseq `absmax`: `gather(argmax(abs))`), e.g.
 * `[0.3, -0.7, 0.1]` → `-0.7`. On a tie the first such value wins, as `argmax` does.
 *
 * NaN is skipped, so a span that mixes seen and not-yet-seen positions still has a value; only
 * an all-NaN input gives NaN. (torch's `argmax` would pick the NaN: a deliberate difference.)
 */
export const absmax = defineAggregationFunction({
  name: 'absmax',
  description: 'Value with the largest absolute value, sign kept; NaN skipped unless all values are NaN.',
  reduce(values) {
    let best = Number.NaN;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (Number.isNaN(value)) continue;
      if (Number.isNaN(best) || Math.abs(value) > Math.abs(best)) best = value;
    }
    return best;
  },
});
