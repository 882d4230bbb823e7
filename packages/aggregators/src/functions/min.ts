import { defineAggregationFunction } from '../aggregation-function';

/** Smallest value (Inseq `min`). */
export const min = defineAggregationFunction({
  name: 'min',
  description: 'Smallest value.',
  reduce(values) {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) return Number.NaN;
      if (values[i] < best) best = values[i];
    }
    return best;
  },
});
