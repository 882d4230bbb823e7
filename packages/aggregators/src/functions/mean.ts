import { defineAggregationFunction } from '../aggregation-function';

/** Arithmetic mean of the values (Inseq `mean`). */
export const mean = defineAggregationFunction({
  name: 'mean',
  description: 'Arithmetic mean of the values.',
  reduce(values) {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i];
    return total / values.length;
  },
});
