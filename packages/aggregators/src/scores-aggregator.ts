import { defineAggregator, defineOptions, InvalidInputError, jsonOption, type ParsedOptions, type Registry } from '@inseq/core';
import { aggregateHiddenSize } from './aggregate-hidden-size';
import type { AggregationFunction } from './aggregation-function';
import { aggregateFnOption, aggregatorOverFunctions, vnormOrdOption } from './aggregator-options';
import { normalizeAttributions } from './normalize-attributions';
import { rescaleAttributions } from './rescale-attributions';
import { parseSelectIndices } from './select-indices';

/** The option spec of the `scores` aggregator, with `aggregate_fn` one of `functions`' ids. */
export function scoresOptionSpecs(functions: Registry<AggregationFunction>) {
  return defineOptions({
    aggregate_fn: aggregateFnOption(functions, 'vnorm', 'Aggregation function that reduces the trailing (hidden) axes.'),
    select_idx: jsonOption({
      expected: 'an integer, a non-empty list of integers, or {"start": i, "end": j}',
      parse: parseSelectIndices,
      description: 'Units of the last axis to keep before reducing (negative from the end); one index removes the axis.',
    }),
    normalize: { type: 'boolean', description: 'L1-normalise every step column over source + target tokens; default true unless rescale.' },
    rescale: { type: 'boolean', default: false, description: 'Divide every step column by its largest magnitude instead of normalising.' },
    vnorm_ord: vnormOrdOption(),
  });
}

/** Parsed options of {@link scoresAggregator} (Inseq's snake_case keys). */
export type ScoresAggregatorOptions = ParsedOptions<ReturnType<typeof scoresOptionSpecs>>;

/**
 * The `scores` aggregator over the aggregation functions of `functions` (the built-in ones by
 * default); {@link scoresAggregator} is this over the built-ins.
 */
export const createScoresAggregator = aggregatorOverFunctions((functions: Registry<AggregationFunction>) =>
  defineAggregator({
    name: 'scores',
    description: 'Reduce the hidden size with an aggregation function (default vnorm), then normalise (or rescale) each step.',
    options: scoresOptionSpecs(functions),
    checkOptions(options) {
      if (options.rescale && options.normalize === true) {
        throw new InvalidInputError("Aggregator 'scores': normalize and rescale cannot both be true; pick one.", { code: 'INVALID_ARGUMENT' });
      }
    },
    aggregate(sequence, options) {
      const aggregated = aggregateHiddenSize(sequence, options.aggregate_fn, {
        functions,
        selectIdx: options.select_idx,
        functionOptions: { ord: options.vnorm_ord },
      });
      if (options.rescale) return rescaleAttributions(aggregated);
      return options.normalize === false ? aggregated : normalizeAttributions(aggregated);
    },
  }),
);

/**
 * Inseq's `scores` aggregator (`SequenceAttributionAggregator`, `inseq/data/aggregator.py`):
 * keeps the `select_idx` units of the last axis, reduces the trailing axes of the source and
 * target attributions with the aggregation function `aggregate_fn` ({@link aggregateHiddenSize};
 * `vnorm_ord` is vnorm's order), then normalises each step column ({@link normalizeAttributions})
 * or, with `rescale`, divides it by its largest magnitude ({@link rescaleAttributions}). Tokens,
 * step scores and sequence scores are unchanged. With default options it is {@link defaultAggregate}.
 *
 * Its options are parsed once before any work: `normalize` and `rescale` both true is refused
 * then, as Inseq refuses it.
 */
export const scoresAggregator = createScoresAggregator();
