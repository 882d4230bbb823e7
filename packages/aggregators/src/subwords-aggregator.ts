import { defineAggregator } from '@inseq/core';
import { type MergeSpansOptions, mergeSpans } from './merge-spans';
import { type SubwordSpansOptions, subwordSpans } from './subword-spans';

/** Options of {@link subwordsAggregator}. */
export type SubwordsAggregatorOptions = MergeSpansOptions &
  SubwordSpansOptions & {
    /** Merge the subwords of the source. @defaultValue true */
    aggregateSource?: boolean;
    /** Merge the subwords of the target (and the generation steps of merged generated words). @defaultValue true */
    aggregateTarget?: boolean;
  };

/**
 * Inseq's `subwords` aggregator (`SubwordAggregator`, `inseq/data/aggregator.py`): finds the words
 * made of several subwords from the tokenizer's markers ({@link subwordSpans}: GPT-2 `Ġ`,
 * SentencePiece `▁`, WordPiece `##`) and merges each into one token like the `spans` aggregator
 * ({@link mergeSpans}: `absmax` for attributions, `prod`/`sum` per step score). A merged token's
 * text keeps the markers (`Ġunbelievable`), as Inseq, for display code to clean.
 */
export const subwordsAggregator = defineAggregator<SubwordsAggregatorOptions>({
  name: 'subwords',
  description: 'Merge the subwords of each word (markers Ġ, ▁ or ##) into one token.',
  aggregate(sequence, options) {
    const sourceSpans = options?.aggregateSource === false ? [] : subwordSpans(sequence.source, options);
    const targetSpans = options?.aggregateTarget === false ? [] : subwordSpans(sequence.target, options);
    return mergeSpans(sequence, sourceSpans, targetSpans, options);
  },
});
