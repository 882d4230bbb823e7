import type { SequenceAttribution } from '../data/feature-attribution-output';

/**
 * One step of an aggregation pipeline over a sequence's attributions (hidden size → one score,
 * subwords → words, normalisation, …). Aggregators are pure: they return a new sequence.
 */
export interface Aggregator<Options extends Record<string, unknown> = Record<string, unknown>> {
  /** Inseq's id, snake_case: `'scores'`, `'subwords'`, `'spans'`. */
  readonly name: string;
  readonly description: string;
  aggregate(sequence: SequenceAttribution, options?: Readonly<Options>): SequenceAttribution;
}

/** Identity helper that types an aggregator object. */
export function defineAggregator<Options extends Record<string, unknown>>(aggregator: Aggregator<Options>): Aggregator<Options> {
  return aggregator;
}
