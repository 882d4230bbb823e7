import { defineAggregationFunction } from '../aggregation-function';

/** Largest value (Inseq `max`). */
export const max = defineAggregationFunction({
  name: 'max',
  description: 'Largest value.',
  reduce(values) {
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) return Number.NaN;
      if (values[i] > best) best = values[i];
    }
    return best;
  },
});
