import { defineAggregationFunction } from '../aggregation-function';

/**
 * Product of the values (Inseq `prod`): how the probabilities of the subwords of a word combine
 * into the probability of the word, the default for `probability` step scores over spans.
 */
export const prod = defineAggregationFunction({
  name: 'prod',
  description: 'Product of the values.',
  reduce(values) {
    let product = 1;
    for (let i = 0; i < values.length; i++) product *= values[i];
    return product;
  },
});
