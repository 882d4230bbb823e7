import {
  type Aggregator,
  createRegistry,
  type FeatureAttributionOutput,
  InvalidInputError,
  type MethodFamily,
  type OptionSpecs,
  parseAggregatorOptions,
  type Registry,
  type SequenceAttribution,
  UnknownIdError,
} from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { withAggregationFunctions } from './aggregator-options';
import { defaultAggregationFunction } from './default-aggregation-function';
import { createAggregationFunctionRegistry } from './functions/register-builtin-aggregation-functions';
import { registerBuiltinAggregators } from './register-builtin-aggregators';

/**
 * One step of an aggregation pipeline, JSON-friendly for the CLI: an aggregator id (`'subwords'`),
 * an aggregation function id (`'vnorm'`, meaning the `scores` aggregator with that function as
 * its `aggregate_fn`, as Inseq), or `{ id, options }` with either. Option keys are the
 * aggregator's, in Inseq's snake_case (`select_idx`, `aggregate_fn`); any other key is refused
 * with the closest known one suggested.
 */
export type AggregationStep = string | { readonly id: string; readonly options?: Readonly<Record<string, unknown>> };

/** Aggregation steps applied in order, like Inseq's `AggregatorPipeline`. */
export type AggregationPipeline = readonly AggregationStep[];

/** Options of {@link aggregate} and {@link aggregateOutput}. */
export interface AggregatePipelineOptions {
  /** Where aggregator ids are looked up. @defaultValue the built-in aggregators */
  aggregators?: Registry<Aggregator>;
  /**
   * Where aggregation function ids are looked up: bare function ids, and the `aggregate_fn` /
   * `step_scores_fn` options of the built-in aggregators (which are rebuilt over it). A registry
   * of code, not JSON, so it is a pipeline option rather than an aggregator option.
   * @defaultValue the built-in aggregation functions
   */
  functions?: Registry<AggregationFunction>;
}

/** A pipeline step with its aggregator found and its options parsed (defaults filled). */
export interface ResolvedAggregationStep {
  readonly aggregator: Aggregator;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Looks up every step of `pipeline` and parses its options ({@link parseAggregatorOptions})
 * before any work is done, so that a typo in an id or an option key, a value of the wrong type
 * or a missing required option fails at once, naming what is allowed.
 *
 * @throws UnknownIdError for an id that is neither an aggregator nor an aggregation function;
 *   InvalidInputError for a malformed step or invalid options.
 */
export function resolveAggregationPipeline(
  pipeline: AggregationPipeline,
  options?: AggregatePipelineOptions,
): ResolvedAggregationStep[] {
  if (!Array.isArray(pipeline)) {
    throw new InvalidInputError('An aggregation pipeline is a list of steps, e.g. ["subwords", "vnorm"].', { code: 'INVALID_ARGUMENT' });
  }
  const aggregators = options?.aggregators ?? registerBuiltinAggregators(createRegistry<Aggregator>('aggregator'), options?.functions);
  const functions = options?.functions ?? createAggregationFunctionRegistry();
  return pipeline.map((step) => {
    const { id, options: stepOptions } = typeof step === 'string' ? { id: step, options: undefined } : step;
    if (typeof id !== 'string' || (stepOptions !== undefined && (typeof stepOptions !== 'object' || stepOptions === null))) {
      throw new InvalidInputError(`Aggregation step ${JSON.stringify(step)} must be an id or { id, options }.`, { code: 'INVALID_ARGUMENT' });
    }
    const bareFunction = !aggregators.has(id) && functions.has(id);
    if (!aggregators.has(id) && !bareFunction) {
      throw new UnknownIdError('aggregator or aggregation function', id, [...aggregators.list(), ...functions.list()]);
    }
    const found = aggregators.get(bareFunction ? 'scores' : id);
    const aggregator = options?.functions ? withAggregationFunctions(found, options.functions) : found;
    const raw = bareFunction ? { ...stepOptions, aggregate_fn: id } : (stepOptions ?? {});
    return { aggregator, options: parseAggregatorOptions(aggregator, raw) };
  });
}

/**
 * Applies `pipeline` to one sequence, step after step (Inseq's `aggregate(aggregator=[…])`).
 * Pure: the input is never modified; NaN positions stay NaN.
 *
 * @example aggregate(sequence, ['subwords', { id: 'scores', options: { aggregate_fn: 'vnorm', rescale: true } }])
 */
export function aggregate(
  sequence: SequenceAttribution,
  pipeline: AggregationPipeline,
  options?: AggregatePipelineOptions,
): SequenceAttribution {
  return applySteps(sequence, resolveAggregationPipeline(pipeline, options));
}

/** Applies `pipeline` to every sequence of `output`; `step_attributions` and `info` are kept. */
export function aggregateOutput(
  output: FeatureAttributionOutput,
  pipeline: AggregationPipeline,
  options?: AggregatePipelineOptions,
): FeatureAttributionOutput {
  const steps = resolveAggregationPipeline(pipeline, options);
  return { ...output, sequence_attributions: output.sequence_attributions.map((sequence) => applySteps(sequence, steps)) };
}

function applySteps(sequence: SequenceAttribution, steps: readonly ResolvedAggregationStep[]): SequenceAttribution {
  return steps.reduce((current, step) => step.aggregator.aggregate(current, step.options), sequence);
}

/**
 * Applies one aggregator object to one sequence with `options` as the user gives them (parsed
 * first by {@link parseAggregatorOptions}: unknown keys refused, defaults filled), for an
 * aggregator used without a registry.
 *
 * @example applyAggregator(spansAggregator, sequence, { target_spans: [[1, 3]] })
 */
export function applyAggregator<Spec extends OptionSpecs>(
  aggregator: Aggregator<Spec>,
  sequence: SequenceAttribution,
  options?: Readonly<Record<string, unknown>>,
): SequenceAttribution {
  return aggregator.aggregate(sequence, parseAggregatorOptions(aggregator, options ?? {}));
}

/**
 * Inseq's default aggregation for a method, as a pipeline: gradient methods reduce the hidden
 * size with `vnorm` then normalise each step (`['vnorm']`); attention, and value zeroing's
 * per-layer scores, average layers and heads then normalise (`['mean']`); other perturbation
 * methods (occlusion, LIME, ReAGent) already give one score per token and are left as they are
 * (`[]`), as Inseq's coarse outputs.
 *
 * @param family - The method's family (`AttributionMethod.family`).
 * @param method - The method id, for per-method defaults (`value_zeroing`). @defaultValue none
 */
export function defaultPipeline(family: MethodFamily, method?: string): AggregationStep[] {
  if (method !== undefined && defaultAggregationFunction(method) === 'mean') return ['mean'];
  if (family === 'gradient') return ['vnorm'];
  if (family === 'attention' || family === 'internals') return ['mean'];
  return [];
}

/**
 * Reads a pipeline as a CLI gives it: a JSON list (`'[{"id":"subwords"},"vnorm"]'`) or ids
 * separated by commas or spaces (`'subwords,vnorm'`).
 *
 * @throws InvalidInputError for malformed JSON.
 */
export function parseAggregationPipeline(text: string): AggregationStep[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return trimmed.split(/[\s,]+/).filter((id) => id.length > 0);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (cause) {
    throw new InvalidInputError(`Aggregation pipeline '${text}' is not valid JSON: ${(cause as Error).message}`, { code: 'INVALID_ARGUMENT' });
  }
  if (!Array.isArray(parsed)) throw new InvalidInputError('An aggregation pipeline in JSON must be a list.', { code: 'INVALID_ARGUMENT' });
  return parsed as AggregationStep[];
}
