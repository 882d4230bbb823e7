import { defaultAggregate, hasTrailingAxes } from '@inseq/aggregators';
import { InvalidInputError, type SequenceAttribution, shapeSize, type Tensor, type TokenWithId } from '@inseq/core';
import { displayToken } from './display-token';
import type { HeatmapToken, HeatmapView, StepScoreRow } from './heatmap-view';

/** Options of {@link buildHeatmapView}. */
export interface HeatmapViewOptions {
  /**
   * Apply Inseq's default aggregation (`defaultAggregate`: `aggregateFn` over the trailing axes,
   * then per-step normalisation) when the attributions still have trailing axes. With `false`,
   * attributions must already be `[length, nSteps]`.
   * @defaultValue true
   */
  aggregate?: boolean;
  /**
   * Aggregation function id for the trailing axes when aggregating: `'mean'` for attention
   * weights and value zeroing (see `defaultAggregationFunction` in @inseq/aggregators, which the
   * `renderOutput*` functions apply to the output's `attribution_method`).
   * @defaultValue 'vnorm'
   */
  aggregateFn?: string;
  /** Step scores to show, in this order. @defaultValue all of the sequence's step scores */
  stepScores?: readonly string[];
}

/**
 * The heatmap of one sequence: rows are attributed tokens, columns the generated tokens they
 * explain (`target[attr_pos_start .. attr_pos_end)`), values one score each.
 *
 * Rows are the source tokens when there are source attributions, then the target tokens up to
 * the last attributed position: `target[0 .. attr_pos_end - 1)` (the last generated token is
 * never context at any step), extended to any later row that still holds a finite score.
 *
 * @param sequence - One sequence of a `FeatureAttributionOutput`; not modified.
 * @throws InvalidInputError when positions, shapes or step-score names do not fit together, or
 *   when `aggregate: false` is given attributions that still have a hidden axis.
 */
export function buildHeatmapView(sequence: SequenceAttribution, options?: HeatmapViewOptions): HeatmapView {
  const { attr_pos_start: start, attr_pos_end: end, target } = sequence;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > target.length) {
    throw new InvalidInputError(
      `attr_pos_start ${start} and attr_pos_end ${end} must satisfy 0 ≤ start ≤ end ≤ len(target) = ${target.length}.`,
    );
  }
  const nSteps = end - start;
  const aggregated = options?.aggregate !== false && hasTrailingAxes(sequence);
  const shown = aggregated ? defaultAggregate(sequence, options?.aggregateFn) : sequence;

  const rows: HeatmapToken[] = [];
  const values: number[][] = [];
  const source = checkScores(shown.source_attributions, 'source_attributions', nSteps);
  if (source) {
    if (source.shape[0] !== sequence.source.length) {
      throw new InvalidInputError(
        `source_attributions has ${source.shape[0]} rows but the source has ${sequence.source.length} tokens.`,
      );
    }
    for (let r = 0; r < source.shape[0]; r++) {
      rows.push(heatmapToken(sequence.source[r], 'source', r));
      values.push(readRow(source, r));
    }
  }
  const targetScores = checkScores(shown.target_attributions, 'target_attributions', nSteps);
  if (targetScores) {
    if (targetScores.shape[0] > target.length) {
      throw new InvalidInputError(
        `target_attributions has ${targetScores.shape[0]} rows but the target has only ${target.length} tokens.`,
      );
    }
    for (let r = 0; r < attributedTargetRows(targetScores, end); r++) {
      rows.push(heatmapToken(target[r], 'target', r));
      values.push(readRow(targetScores, r));
    }
  }

  const columns = target.slice(start, end).map((token, s) => heatmapToken(token, 'target', start + s));
  return {
    rows,
    columns,
    values,
    stepScores: selectStepScores(sequence.step_scores, options?.stepScores, nSteps),
    maxAbs: maxAbsolute(values),
    signed: values.some((row) => row.some((value) => value < 0)),
    aggregated,
    ...(aggregated && { aggregateFn: options?.aggregateFn ?? 'vnorm' }),
  };
}

function heatmapToken(token: TokenWithId, side: HeatmapToken['side'], position: number): HeatmapToken {
  return { token: token.token, id: token.id, label: displayToken(token.token), side, position };
}

function checkScores(tensor: Tensor | null, field: string, nSteps: number): Tensor | null {
  if (tensor === null) return null;
  if (tensor.shape.length !== 2) {
    throw new InvalidInputError(
      `${field} has shape [${tensor.shape.join(', ')}], but a heatmap needs [length, nSteps]: leave aggregate on, or aggregate with @inseq/aggregators first.`,
    );
  }
  if (tensor.shape[1] !== nSteps || tensor.data.length !== shapeSize(tensor.shape)) {
    throw new InvalidInputError(
      `${field} has shape [${tensor.shape.join(', ')}] and ${tensor.data.length} values; attr_pos_end - attr_pos_start = ${nSteps} steps.`,
    );
  }
  return tensor;
}

/** `attr_pos_end - 1` rows, or more when a later row still has a finite score. */
function attributedTargetRows(scores: Tensor, end: number): number {
  const rowCount = scores.shape[0];
  let count = Math.min(rowCount, Math.max(0, end - 1));
  for (let r = rowCount - 1; r >= count; r--) {
    if (readRow(scores, r).some((value) => !Number.isNaN(value))) {
      count = r + 1;
      break;
    }
  }
  return count;
}

function readRow(tensor: Tensor, row: number): number[] {
  const width = tensor.shape[1];
  return Array.from(tensor.data.subarray(row * width, (row + 1) * width));
}

function selectStepScores(
  stepScores: Readonly<Record<string, Tensor>>,
  names: readonly string[] | undefined,
  nSteps: number,
): StepScoreRow[] {
  const available = Object.keys(stepScores);
  return (names ?? available).map((name) => {
    const scores = Object.hasOwn(stepScores, name) ? stepScores[name] : undefined;
    if (!scores) {
      throw new InvalidInputError(
        `Unknown step score '${name}'. This sequence has: ${available.length ? available.join(', ') : '(none)'}.`, { code: 'INVALID_ARGUMENT' },
      );
    }
    if (scores.data.length !== nSteps) {
      throw new InvalidInputError(`Step score '${name}' has ${scores.data.length} values; expected one per step (${nSteps}).`);
    }
    return { name, values: Array.from(scores.data) };
  });
}

function maxAbsolute(values: readonly (readonly number[])[]): number {
  let max = 0;
  for (const row of values) {
    for (const value of row) if (Number.isFinite(value) && Math.abs(value) > max) max = Math.abs(value);
  }
  return max;
}
