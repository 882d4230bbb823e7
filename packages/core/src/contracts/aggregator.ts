import type { SequenceAttribution } from '../data/feature-attribution-output';
import { type OptionSpecs, type ParsedOptions, parseOptions } from './option-spec';

/**
 * One step of an aggregation pipeline over a sequence's attributions (hidden size → one score,
 * subwords → words, normalisation, …). Aggregators are pure: they return a new sequence.
 */
export interface Aggregator<Spec extends OptionSpecs = OptionSpecs> {
  /** Inseq's id, snake_case: `'scores'`, `'subwords'`, `'spans'`. */
  readonly name: string;
  readonly description: string;
  /** Its options in Inseq's snake_case, declared once; parsed by {@link parseAggregatorOptions} before any work. @defaultValue {} */
  readonly options?: Spec;
  /** Optional rules across options (e.g. two that exclude each other), run after the spec's checks; throw InvalidInputError. */
  checkOptions?(options: ParsedOptions<Spec>): void;
  /** Aggregates with options already parsed (defaults filled). */
  aggregate(sequence: SequenceAttribution, options: Readonly<ParsedOptions<Spec>>): SequenceAttribution;
}

/** Types an aggregator object, inferring its options' types from its `options` spec. */
export function defineAggregator<const Spec extends OptionSpecs = Record<never, never>>(aggregator: Aggregator<Spec>): Aggregator<Spec> {
  return aggregator;
}

/**
 * Parses an aggregator's options once, before any work: its spec (unknown keys refused with the
 * closest key suggested, types and ranges checked, defaults filled), then its cross-option rules.
 */
export function parseAggregatorOptions<Spec extends OptionSpecs>(aggregator: Aggregator<Spec>, raw: unknown): ParsedOptions<Spec> {
  const parsed = parseOptions(`Aggregator '${aggregator.name}'`, raw ?? {}, aggregator.options ?? ({} as Spec));
  aggregator.checkOptions?.(parsed);
  return parsed;
}
