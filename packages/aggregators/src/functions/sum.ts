import { defineAggregationFunction } from '../aggregation-function';

/** Sum of the values (Inseq `sum`). */
export const sum = defineAggregationFunction({
  name: 'sum',
  description: 'Sum of the values.',
  reduce(values) {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i];
    return total;
  },
});
