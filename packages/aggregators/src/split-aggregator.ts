import { defineAggregator, defineOptions, jsonOption, type ParsedOptions, type Registry } from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { aggregatorOverFunctions, mergeOptionSpecs, parseStrings } from './aggregator-options';
import { mergeSpans } from './merge-spans';
import { splitSpans } from './split-spans';

/** A `RegExp` (from TypeScript) or a non-empty regular expression source that compiles, kept as given; undefined otherwise. */
function parsePattern(value: unknown): string | RegExp | undefined {
  if (value instanceof RegExp) return value;
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    new RegExp(value, 'g');
    return value;
  } catch {
    return undefined;
  }
}

/** The option spec of the `split` aggregator, with function ids of `functions`. */
export function splitOptionSpecs(functions: Registry<AggregationFunction>) {
  return defineOptions({
    split_pattern: jsonOption({
      required: true,
      expected: 'a non-empty, valid regular expression string',
      parse: parsePattern,
      description: "Regular expression of the separators, e.g. '[.!?]' for sentences.",
    }),
    split_mode: {
      type: 'string',
      default: 'single',
      values: ['single', 'start', 'end'],
      description: 'Matched tokens form spans of their own (single), open the next span (start) or close the previous one (end).',
    },
    special_tokens: jsonOption({ expected: 'a list of token strings', parse: parseStrings, description: 'More tokens that stay alone, besides <…> and [CLS]-like ones.' }),
    aggregate_source: { type: 'boolean', default: true, description: 'Split the source.' },
    aggregate_target: { type: 'boolean', default: true, description: 'Split the target.' },
    ...mergeOptionSpecs(functions),
  });
}

/** Parsed options of {@link splitAggregator} (Inseq's snake_case keys). */
export type SplitAggregatorOptions = ParsedOptions<ReturnType<typeof splitOptionSpecs>>;

/** The `split` aggregator over the aggregation functions of `functions` (the built-in ones by default). */
export const createSplitAggregator = aggregatorOverFunctions((functions: Registry<AggregationFunction>) =>
  defineAggregator({
    name: 'split',
    description: 'Merge the token runs between matches of a regular expression (e.g. sentences).',
    options: splitOptionSpecs(functions),
    aggregate(sequence, options) {
      const spanOptions = { splitMode: options.split_mode, specialTokens: options.special_tokens };
      const sourceSpans = options.aggregate_source ? splitSpans(sequence.source, options.split_pattern, spanOptions) : [];
      const targetSpans = options.aggregate_target ? splitSpans(sequence.target, options.split_pattern, spanOptions) : [];
      return mergeSpans(sequence, sourceSpans, targetSpans, {
        aggregateFn: options.aggregate_fn,
        stepScoresFn: options.step_scores_fn,
        functions,
        functionOptions: { ord: options.vnorm_ord },
      });
    },
  }),
);

/**
 * Inseq's `split` aggregator (`StringSplitAggregator`): merges the runs of tokens between matches
 * of `split_pattern` ({@link splitSpans}, e.g. whole sentences; `split_mode` says where the
 * matched tokens go) like the `spans` aggregator ({@link mergeSpans}). `split_pattern` is
 * required: its absence fails when the options are parsed, before any work.
 */
export const splitAggregator = createSplitAggregator();
