import { InvalidInputError, type Registry, type SequenceAttribution, shapeSize, type Tensor } from '@inseq/core';
import type { AggregationFunction } from './aggregation-function';
import { resolveAggregationFunction } from './resolve-aggregation-function';

/** Options of {@link aggregateHiddenSize}. */
export interface AggregateHiddenSizeOptions {
  /** Where the aggregation function id is looked up. @defaultValue the built-in aggregation functions */
  functions?: Registry<AggregationFunction>;
}

/**
 * Reduces every axis beyond `[length, nSteps]` of the source and target attributions with one
 * aggregation function, as Inseq's `scores` aggregator does to the hidden dimension of gradient
 * attributions (`[length, nSteps, hidden]` → `[length, nSteps]`). Several trailing axes are
 * reduced together, which for the built-in functions equals reducing them one after another.
 *
 * NaN (positions not yet seen at a step) stays NaN. Attributions that are already
 * `[length, nSteps]`, step scores and sequence scores are returned unchanged.
 *
 * @param sequence - The attributions of one sequence; not modified.
 * @param fn - Aggregation function id. @defaultValue 'vnorm'
 * @returns A new sequence whose attributions are `[length, nSteps]`.
 * @throws InvalidInputError when an attribution tensor has fewer than two axes, an empty trailing
 *   axis, or a buffer that does not match its shape; UnknownIdError for an unknown `fn`.
 */
export function aggregateHiddenSize(
  sequence: SequenceAttribution,
  fn = 'vnorm',
  options?: AggregateHiddenSizeOptions,
): SequenceAttribution {
  const aggregationFunction = resolveAggregationFunction(fn, options?.functions);
  return {
    ...sequence,
    source_attributions: reduceTrailingAxes(sequence.source_attributions, aggregationFunction, 'source_attributions'),
    target_attributions: reduceTrailingAxes(sequence.target_attributions, aggregationFunction, 'target_attributions'),
  };
}

function reduceTrailingAxes(tensor: Tensor | null, fn: AggregationFunction, field: string): Tensor | null {
  if (tensor === null) return null;
  const shape = tensor.shape;
  if (shape.length < 2 || tensor.data.length !== shapeSize(shape)) {
    throw new InvalidInputError(
      `${field} has shape [${shape.join(', ')}] and ${tensor.data.length} values; expected [length, nSteps, …] with as many values as the shape holds.`,
    );
  }
  if (shape.length === 2) return tensor;
  const innerSize = shapeSize(shape.slice(2));
  if (innerSize === 0) {
    throw new InvalidInputError(`${field} has shape [${shape.join(', ')}]: an empty trailing axis cannot be aggregated.`);
  }
  const cells = shape[0] * shape[1];
  const data = new Float32Array(cells);
  for (let cell = 0; cell < cells; cell++) {
    data[cell] = fn.reduce(tensor.data.subarray(cell * innerSize, (cell + 1) * innerSize));
  }
  return { data, shape: [shape[0], shape[1]] };
}
