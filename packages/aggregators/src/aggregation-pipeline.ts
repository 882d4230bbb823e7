import {
  type Aggregator,
  createRegistry,
  type FeatureAttributionOutput,
  InvalidInputError,
  type MethodFamily,
  type Registry,
  type SequenceAttribution,
  UnknownIdError,
} from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { defaultAggregationFunction } from './default-aggregation-function';
import { createAggregationFunctionRegistry } from './functions/register-builtin-aggregation-functions';
import { registerBuiltinAggregators } from './register-builtin-aggregators';

/**
 * One step of an aggregation pipeline, JSON-friendly for the CLI: an aggregator id (`'subwords'`),
 * an aggregation function id (`'vnorm'`, meaning the `scores` aggregator with that function, as
 * Inseq), or `{ id, options }` with either. Option keys may be camelCase or Inseq's snake_case
 * (`select_idx` is read as `selectIdx`).
 */
export type AggregationStep = string | { readonly id: string; readonly options?: Readonly<Record<string, unknown>> };

/** Aggregation steps applied in order, like Inseq's `AggregatorPipeline`. */
export type AggregationPipeline = readonly AggregationStep[];

/** Options of {@link aggregate} and {@link aggregateOutput}. */
export interface AggregatePipelineOptions {
  /** Where aggregator ids are looked up. @defaultValue the built-in aggregators */
  aggregators?: Registry<Aggregator>;
  /** Where aggregation function ids are looked up. @defaultValue the built-in aggregation functions */
  functions?: Registry<AggregationFunction>;
}

/** A pipeline step with its aggregator found and its options parsed. */
export interface ResolvedAggregationStep {
  readonly aggregator: Aggregator;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Looks up every step of `pipeline` before any work is done, so that a typo fails at once with
 * the known aggregator and function ids.
 *
 * @throws UnknownIdError for an id that is neither an aggregator nor an aggregation function;
 *   InvalidInputError for a malformed step.
 */
export function resolveAggregationPipeline(
  pipeline: AggregationPipeline,
  options?: AggregatePipelineOptions,
): ResolvedAggregationStep[] {
  if (!Array.isArray(pipeline)) {
    throw new InvalidInputError('An aggregation pipeline is a list of steps, e.g. ["subwords", "vnorm"].', { code: 'INVALID_ARGUMENT' });
  }
  const aggregators = options?.aggregators ?? registerBuiltinAggregators(createRegistry<Aggregator>('aggregator'));
  const functions = options?.functions ?? createAggregationFunctionRegistry();
  return pipeline.map((step) => {
    const { id, options: stepOptions } = typeof step === 'string' ? { id: step, options: undefined } : step;
    if (typeof id !== 'string' || (stepOptions !== undefined && (typeof stepOptions !== 'object' || stepOptions === null))) {
      throw new InvalidInputError(`Aggregation step ${JSON.stringify(step)} must be an id or { id, options }.`, { code: 'INVALID_ARGUMENT' });
    }
    const parsed: Record<string, unknown> = { ...camelCaseKeys(stepOptions ?? {}) };
    if (options?.functions) parsed.functions = options.functions;
    if (aggregators.has(id)) return { aggregator: aggregators.get(id), options: parsed };
    if (functions.has(id)) return { aggregator: aggregators.get('scores'), options: { ...parsed, aggregateFn: id } };
    throw new UnknownIdError('aggregator or aggregation function', id, [...aggregators.list(), ...functions.list()]);
  });
}

/**
 * Applies `pipeline` to one sequence, step after step (Inseq's `aggregate(aggregator=[…])`).
 * Pure: the input is never modified; NaN positions stay NaN.
 *
 * @example aggregate(sequence, ['subwords', { id: 'scores', options: { aggregateFn: 'vnorm', rescale: true } }])
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

function camelCaseKeys(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options).map(([key, value]) => [key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()), value]),
  );
}
