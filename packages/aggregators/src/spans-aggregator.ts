import { defineAggregator, defineOptions, jsonOption, type ParsedOptions, type Registry } from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { aggregatorOverFunctions, mergeOptionSpecs } from './aggregator-options';
import { mergeSpans } from './merge-spans';
import { parseTokenSpans } from './token-span';

const SPANS_EXPECTED = 'one [start, end] pair of integers or a list of them';

/** The option spec of the `spans` aggregator, with function ids of `functions`. */
export function spansOptionSpecs(functions: Registry<AggregationFunction>) {
  return defineOptions({
    source_spans: jsonOption({ expected: SPANS_EXPECTED, parse: parseTokenSpans, description: 'Source token spans to merge, [start, end), ascending and non-overlapping.' }),
    target_spans: jsonOption({
      expected: SPANS_EXPECTED,
      parse: parseTokenSpans,
      description: 'Target token spans to merge, [start, end) over the whole target (prompt included).',
    }),
    ...mergeOptionSpecs(functions),
  });
}

/** Parsed options of {@link spansAggregator} (Inseq's snake_case keys). */
export type SpansAggregatorOptions = ParsedOptions<ReturnType<typeof spansOptionSpecs>>;

/** The `spans` aggregator over the aggregation functions of `functions` (the built-in ones by default). */
export const createSpansAggregator = aggregatorOverFunctions((functions: Registry<AggregationFunction>) =>
  defineAggregator({
    name: 'spans',
    description: 'Merge given contiguous token spans (absmax for attributions, prod/sum for step scores).',
    options: spansOptionSpecs(functions),
    aggregate(sequence, options) {
      return mergeSpans(sequence, options.source_spans, options.target_spans, {
        aggregateFn: options.aggregate_fn,
        stepScoresFn: options.step_scores_fn,
        functions,
        functionOptions: { ord: options.vnorm_ord },
      });
    },
  }),
);

/**
 * Inseq's `spans` aggregator (`ContiguousSpanAggregator`, `inseq/data/aggregator.py`): merges the
 * given contiguous spans of source and target tokens (`source_spans`, `target_spans`) into one
 * token each ({@link mergeSpans}), with `absmax` for attributions by default (`aggregate_fn`)
 * and, per step score, `prod` for probabilities and `sum` for entropies
 * ({@link spanStepScoreFunctions}, overridden by `step_scores_fn`).
 *
 * Deviation: Inseq rejects a span that ends at the last token (`end < len`); here `end ≤ len`.
 */
export const spansAggregator = createSpansAggregator();
