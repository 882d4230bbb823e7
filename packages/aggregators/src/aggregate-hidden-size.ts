import { InvalidInputError, type Registry, type SequenceAttribution, shapeSize, type Tensor } from '@inseq/core';
import { type AggregationFunction, type AggregationFunctionOptions, aggregationFunctionOptions } from './aggregation-function';
import { resolveAggregationFunction } from './resolve-aggregation-function';
import { resolveSelectIndices, type SelectIndices } from './select-indices';

/** Options of {@link aggregateHiddenSize}. */
export interface AggregateHiddenSizeOptions {
  /** Where the aggregation function id is looked up. @defaultValue the built-in aggregation functions */
  functions?: Registry<AggregationFunction>;
  /** Units of the last axis to keep before reducing (Inseq's `select_idx`). @defaultValue all units */
  selectIdx?: SelectIndices;
  /**
   * Option values for the aggregation function, e.g. `{ ord: 1 }` for `vnorm`: the keys the
   * function declares are parsed once against its spec ({@link aggregationFunctionOptions}), the
   * others are ignored. @defaultValue none (the function's defaults)
   */
  functionOptions?: Readonly<Record<string, unknown>>;
}

/**
 * Reduces every axis beyond `[length, nSteps]` of the source and target attributions with one
 * aggregation function, as Inseq's `scores` aggregator does to the hidden dimension of gradient
 * attributions (`[length, nSteps, hidden]` → `[length, nSteps]`). Several trailing axes are
 * reduced together, which for the built-in functions equals reducing them one after another
 * (Inseq reduces one axis per `scores` step).
 *
 * With `selectIdx` the last axis is first restricted to the named units (Inseq's `select_idx`);
 * a single index removes the axis without aggregating it, e.g. one attention head of
 * `[length, nSteps, layers, heads]`, whose remaining `layers` axis is then reduced.
 *
 * NaN (positions not yet seen at a step) stays NaN. Attributions that are already
 * `[length, nSteps]`, step scores and sequence scores are returned unchanged.
 *
 * @param sequence - The attributions of one sequence; not modified.
 * @param fn - Aggregation function id. @defaultValue 'vnorm'
 * @returns A new sequence whose attributions are `[length, nSteps]`.
 * @throws InvalidInputError when an attribution tensor has fewer than two axes, an empty trailing
 *   axis, a buffer that does not match its shape, or `selectIdx` on `[length, nSteps]`
 *   attributions; UnknownIdError for an unknown `fn`.
 */
export function aggregateHiddenSize(
  sequence: SequenceAttribution,
  fn = 'vnorm',
  options?: AggregateHiddenSizeOptions,
): SequenceAttribution {
  const aggregationFunction = resolveAggregationFunction(fn, options?.functions);
  const functionOptions = aggregationFunctionOptions(aggregationFunction, options?.functionOptions);
  const reduce = (tensor: Tensor | null, field: string) =>
    reduceTrailingAxes(tensor, aggregationFunction, field, options?.selectIdx, functionOptions);
  return {
    ...sequence,
    source_attributions: reduce(sequence.source_attributions, 'source_attributions'),
    target_attributions: reduce(sequence.target_attributions, 'target_attributions'),
  };
}

function reduceTrailingAxes(
  tensor: Tensor | null,
  fn: AggregationFunction,
  field: string,
  selectIdx: SelectIndices | undefined,
  functionOptions: AggregationFunctionOptions,
): Tensor | null {
  if (tensor === null) return null;
  const shape = tensor.shape;
  if (shape.length < 2 || tensor.data.length !== shapeSize(shape)) {
    throw new InvalidInputError(
      `${field} has shape [${shape.join(', ')}] and ${tensor.data.length} values; expected [length, nSteps, …] with as many values as the shape holds.`,
    );
  }
  if (selectIdx !== undefined) {
    if (shape.length === 2) {
      throw new InvalidInputError(`${field} has shape [${shape.join(', ')}]: there is no trailing axis for select_idx to select from.`, { code: 'INVALID_ARGUMENT' });
    }
    tensor = selectLastAxis(tensor, resolveSelectIndices(selectIdx, shape[shape.length - 1]));
  }
  const current = tensor.shape;
  if (current.length === 2) return tensor;
  const innerSize = shapeSize(current.slice(2));
  if (innerSize === 0) {
    throw new InvalidInputError(`${field} has shape [${shape.join(', ')}]: an empty trailing axis cannot be aggregated.`);
  }
  const cells = current[0] * current[1];
  const data = new Float32Array(cells);
  for (let cell = 0; cell < cells; cell++) {
    data[cell] = fn.reduce(tensor.data.subarray(cell * innerSize, (cell + 1) * innerSize), functionOptions);
  }
  return { data, shape: [current[0], current[1]] };
}

function selectLastAxis(tensor: Tensor, indices: number | number[]): Tensor {
  const shape = tensor.shape;
  const units = shape[shape.length - 1];
  const kept = typeof indices === 'number' ? [indices] : indices;
  const outer = tensor.data.length / units;
  const data = new Float32Array(outer * kept.length);
  for (let row = 0; row < outer; row++) {
    for (let k = 0; k < kept.length; k++) data[row * kept.length + k] = tensor.data[row * units + kept[k]];
  }
  const head = shape.slice(0, -1);
  return { data, shape: typeof indices === 'number' ? head : [...head, kept.length] };
}
