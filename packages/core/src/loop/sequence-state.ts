import type { AttributionModel } from '../contracts/model-backend';
import type { SequenceAttribution } from '../data/feature-attribution-output';
import { type Tensor, shapeSize } from '../tensor';
import type { ContrastPlan } from './contrast-plan';
import type { PreparedSequence } from './prepare-sequences';

/** A sequence's bookkeeping while its steps are attributed. */
export interface SequenceState {
  readonly prepared: PreparedSequence;
  readonly start: number;
  readonly end: number;
  readonly contrast?: ContrastPlan;
  /** `[targetLength, nSteps, …trailing]`, NaN until written. */
  attributions?: Float32Array;
  trailing?: number[];
  /** Encoder-decoder: `[sourceLength, nSteps, …sourceTrailing]`, NaN until written. */
  sourceAttributions?: Float32Array;
  sourceTrailing?: number[];
  readonly stepScores: Map<string, Float32Array>;
}

const nanFilled = (size: number) => new Float32Array(size).fill(Number.NaN);

/** Number of attributed steps of a sequence. */
export const stepCount = (state: SequenceState) => state.end - state.start;

/**
 * Writes a step's attributions of one row: `rowData` holds `width` positions of `cell` values
 * each, the row's real tokens starting at `offset` (left padding before).
 */
export function storeStepAttributions(
  state: SequenceState,
  step: number,
  rowData: Float32Array,
  offset: number,
  trailing: number[],
): void {
  const cell = shapeSize(trailing);
  const nSteps = stepCount(state);
  if (!state.attributions) {
    state.trailing = trailing;
    state.attributions = nanFilled(state.prepared.targetIds.length * nSteps * cell);
  }
  for (let position = 0; position < state.start + step; position++) {
    state.attributions.set(rowData.subarray((offset + position) * cell, (offset + position + 1) * cell), (position * nSteps + step) * cell);
  }
}

/**
 * Writes a step's source attributions of one row (encoder-decoder): `rowData` holds the row's
 * right-padded source, `cell` values per position; every source token is visible at every step.
 */
export function storeStepSourceAttributions(state: SequenceState, step: number, rowData: Float32Array, trailing: number[]): void {
  const cell = shapeSize(trailing);
  const nSteps = stepCount(state);
  const length = state.prepared.sourceIds.length;
  if (!state.sourceAttributions) {
    state.sourceTrailing = trailing;
    state.sourceAttributions = nanFilled(length * nSteps * cell);
  }
  for (let position = 0; position < length; position++) {
    state.sourceAttributions.set(rowData.subarray(position * cell, (position + 1) * cell), (position * nSteps + step) * cell);
  }
}

/** Records one step's value of a step score. */
export function storeStepScore(state: SequenceState, name: string, step: number, value: number): void {
  let stored = state.stepScores.get(name);
  if (!stored) {
    stored = nanFilled(stepCount(state));
    state.stepScores.set(name, stored);
  }
  stored[step] = value;
}

/** The finished sequence in Inseq's layout. */
export function toSequenceAttribution(model: AttributionModel, state: SequenceState): SequenceAttribution {
  const tokens = (ids: readonly number[]) => ids.map((id) => ({ token: model.tokenizer.idToToken(id), id }));
  const nSteps = stepCount(state);
  const targetAttributions: Tensor | null = state.attributions
    ? { data: state.attributions, shape: [state.prepared.targetIds.length, nSteps, ...(state.trailing ?? [])] }
    : null;
  return {
    source: tokens(state.prepared.sourceIds),
    target: tokens(state.prepared.targetIds),
    source_attributions: state.sourceAttributions
      ? { data: state.sourceAttributions, shape: [state.prepared.sourceIds.length, nSteps, ...(state.sourceTrailing ?? [])] }
      : null,
    target_attributions: targetAttributions,
    step_scores: Object.fromEntries([...state.stepScores].map(([name, values]) => [name, { data: values, shape: [nSteps] }])),
    sequence_scores: {},
    attr_pos_start: state.start,
    attr_pos_end: state.end,
  };
}
