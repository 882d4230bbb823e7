import { InvalidInputError } from '../errors/invalid-input-error';
import { UnknownIdError } from '../errors/unknown-id-error';
import { shapeSize, type Tensor } from '../tensor';
import type { FeatureAttributionOutput, SequenceAttribution } from './feature-attribution-output';
import { isFeatureAttributionOutput } from './is-feature-attribution-output';

/**
 * Attributions weighted by a step score, as Inseq's `weight_attributions(step_score_id)`
 * (`inseq/data/attribution.py`): every value of step column `s` of `source_attributions` and
 * `target_attributions` (`[length, nSteps, …]`) is multiplied by `step_scores[stepScoreId][s]`,
 * e.g. by the probability of the token that step explains. NaN stays NaN (positions not yet seen).
 * Step scores and everything else are kept; the input is not modified.
 *
 * Inseq first reduces the attributions with the sequence's default aggregator and weights the
 * result; here the attributions are weighted as they are, trailing axes included, so weight after
 * aggregating (e.g. `defaultAggregate` of `@inseq/aggregators`) to reproduce Inseq's numbers for
 * non-linear aggregations such as `vnorm`. For sums and means the order does not matter.
 *
 * @throws UnknownIdError naming the available step scores when `stepScoreId` is not one of them.
 */
export function weightAttributions(output: FeatureAttributionOutput, stepScoreId: string): FeatureAttributionOutput;
export function weightAttributions(sequence: SequenceAttribution, stepScoreId: string): SequenceAttribution;
export function weightAttributions(
  value: FeatureAttributionOutput | SequenceAttribution,
  stepScoreId: string,
): FeatureAttributionOutput | SequenceAttribution {
  if (isFeatureAttributionOutput(value)) {
    return {
      ...value,
      sequence_attributions: value.sequence_attributions.map((sequence) => weightSequence(sequence, stepScoreId)),
    };
  }
  return weightSequence(value, stepScoreId);
}

function weightSequence(sequence: SequenceAttribution, stepScoreId: string): SequenceAttribution {
  if (!Object.hasOwn(sequence.step_scores, stepScoreId)) {
    throw new UnknownIdError('step score', stepScoreId, Object.keys(sequence.step_scores));
  }
  const scores = sequence.step_scores[stepScoreId];
  return {
    ...sequence,
    source_attributions: weightColumns(sequence.source_attributions, scores, 'source_attributions', stepScoreId),
    target_attributions: weightColumns(sequence.target_attributions, scores, 'target_attributions', stepScoreId),
  };
}

function weightColumns(tensor: Tensor | null, scores: Tensor, field: string, stepScoreId: string): Tensor | null {
  if (tensor === null) return null;
  const [rows, steps] = tensor.shape;
  if (tensor.shape.length < 2 || scores.data.length !== steps) {
    throw new InvalidInputError(
      `Cannot weight ${field} of shape [${tensor.shape.join(', ')}] by step score '${stepScoreId}' of shape [${scores.shape.join(', ')}]: the score needs one value per step (axis 1).`,
    );
  }
  const inner = shapeSize(tensor.shape.slice(2));
  const data = new Float32Array(tensor.data.length);
  for (let row = 0; row < rows; row++) {
    for (let step = 0; step < steps; step++) {
      const weight = scores.data[step];
      const offset = (row * steps + step) * inner;
      for (let i = 0; i < inner; i++) data[offset + i] = tensor.data[offset + i] * weight;
    }
  }
  return { data, shape: [...tensor.shape] };
}
