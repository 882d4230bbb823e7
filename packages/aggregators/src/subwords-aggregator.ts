import { defineAggregator, defineOptions, jsonOption, type ParsedOptions, type Registry } from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { aggregatorOverFunctions, mergeOptionSpecs, parseStrings } from './aggregator-options';
import { mergeSpans } from './merge-spans';
import { type SubwordSpansOptions, subwordSpans } from './subword-spans';

/** `special_chars` as a list: one marker or a non-empty list of them; undefined otherwise. */
function parseSpecialChars(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : parseStrings(value);
  return list !== undefined && list.length > 0 && list.every((marker) => marker.length > 0) ? list : undefined;
}

/** The option spec of the `subwords` aggregator, with function ids of `functions`. */
export function subwordsOptionSpecs(functions: Registry<AggregationFunction>) {
  return defineOptions({
    scheme: {
      type: 'string',
      default: 'auto',
      values: ['auto', 'byte_level', 'sentencepiece', 'wordpiece'],
      description: 'Marker convention: byte_level (Ġ), sentencepiece (▁), wordpiece (##), or auto from the tokens.',
    },
    special_chars: jsonOption({
      expected: 'a marker string or a non-empty list of them',
      parse: parseSpecialChars,
      description: 'Custom word markers instead of a scheme (Inseq special_chars).',
    }),
    is_suffix_symbol: { type: 'boolean', default: false, description: 'With special_chars: the markers mark continuations, not word starts.' },
    special_tokens: jsonOption({ expected: 'a list of token strings', parse: parseStrings, description: 'More tokens that stay alone, besides <…> and [CLS]-like ones.' }),
    aggregate_source: { type: 'boolean', default: true, description: 'Merge the subwords of the source.' },
    aggregate_target: { type: 'boolean', default: true, description: 'Merge the subwords of the target (and the steps of merged generated words).' },
    ...mergeOptionSpecs(functions),
  });
}

/** Parsed options of {@link subwordsAggregator} (Inseq's snake_case keys). */
export type SubwordsAggregatorOptions = ParsedOptions<ReturnType<typeof subwordsOptionSpecs>>;

/** The `subwords` aggregator over the aggregation functions of `functions` (the built-in ones by default). */
export const createSubwordsAggregator = aggregatorOverFunctions((functions: Registry<AggregationFunction>) =>
  defineAggregator({
    name: 'subwords',
    description: 'Merge the subwords of each word (markers Ġ, ▁ or ##) into one token.',
    options: subwordsOptionSpecs(functions),
    aggregate(sequence, options) {
      const spanOptions: SubwordSpansOptions = {
        scheme: options.scheme,
        specialSymbol: options.special_chars,
        isSuffixSymbol: options.is_suffix_symbol,
        specialTokens: options.special_tokens,
      };
      const sourceSpans = options.aggregate_source ? subwordSpans(sequence.source, spanOptions) : [];
      const targetSpans = options.aggregate_target ? subwordSpans(sequence.target, spanOptions) : [];
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
 * Inseq's `subwords` aggregator (`SubwordAggregator`, `inseq/data/aggregator.py`): finds the words
 * made of several subwords from the tokenizer's markers ({@link subwordSpans}: GPT-2 `Ġ`,
 * SentencePiece `▁`, WordPiece `##`, or `special_chars`) and merges each into one token like the
 * `spans` aggregator ({@link mergeSpans}: `absmax` for attributions, `prod`/`sum` per step score).
 * A merged token's text keeps the markers (`Ġunbelievable`), as Inseq, for display code to clean.
 */
export const subwordsAggregator = createSubwordsAggregator();
