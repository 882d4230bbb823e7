import { defineAggregator, defineOptions, jsonOption, type ParsedOptions, type SequenceAttribution } from '@inseq/core';
import { pairAggregate } from './pair-aggregate';

/** A value shaped like a {@link SequenceAttribution} (tokens, attributions, positions); undefined otherwise. */
function parseSequence(value: unknown): SequenceAttribution | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const sequence = value as Partial<SequenceAttribution>;
  return Array.isArray(sequence.source) &&
    Array.isArray(sequence.target) &&
    Number.isInteger(sequence.attr_pos_start) &&
    Number.isInteger(sequence.attr_pos_end) &&
    typeof sequence.step_scores === 'object' &&
    typeof sequence.sequence_scores === 'object'
    ? (value as SequenceAttribution)
    : undefined;
}

const options = defineOptions({
  paired_attr: jsonOption({
    required: true,
    expected: 'a sequence attribution (source, target, attributions, step_scores, attr_pos_start, attr_pos_end)',
    parse: parseSequence,
    description: 'The attributions to compare with (Inseq paired_attr); the result is paired_attr minus this one.',
  }),
});

/** Parsed options of {@link pairAggregator} (Inseq's snake_case keys). */
export type PairAggregatorOptions = ParsedOptions<typeof options>;

/**
 * Inseq's `pair` aggregator as a pipeline step: `paired_attr − sequence` ({@link pairAggregate},
 * whose documentation explains the order). `paired_attr` is required: its absence fails when the
 * options are parsed, before any work.
 */
export const pairAggregator = defineAggregator({
  name: 'pair',
  description: 'Difference of two attributions of minimally different inputs: paired_attr minus this one.',
  options,
  aggregate(sequence, parsed) {
    return pairAggregate(sequence, parsed.paired_attr);
  },
});
