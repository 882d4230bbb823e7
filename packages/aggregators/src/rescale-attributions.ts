import { InvalidInputError, type SequenceAttribution, shapeSize, type Tensor } from '@inseq/core';

/**
 * Divides every step column of the source and target attributions by the largest absolute value
 * in that column (source and target together), so that values lie in [-1, 1] and the strongest
 * token of each step is ±1. NaN is ignored and kept; an all-zero column stays zero.
 *
 * This is the `rescale` alternative to normalisation of Inseq's `scores` aggregator
 * (`inseq/data/aggregator.py`, `rescale=True` instead of `normalize=True`): it keeps the ratios
 * between tokens of a step, as normalisation does, without making the column sum to 1.
 *
 * @param sequence - The attributions of one sequence; not modified.
 * @returns A new sequence with rescaled source and target attributions.
 * @throws InvalidInputError when source and target attributions disagree beyond the token axis.
 */
export function rescaleAttributions(sequence: SequenceAttribution): SequenceAttribution {
  const source = sequence.source_attributions;
  const target = sequence.target_attributions;
  const reference = source ?? target;
  if (reference === null) return sequence;
  if (source && target && source.shape.slice(1).join(',') !== target.shape.slice(1).join(',')) {
    throw new InvalidInputError(
      `source_attributions [${source.shape.join(', ')}] and target_attributions [${target.shape.join(', ')}] must agree beyond the token axis to be rescaled together.`,
    );
  }
  const innerSize = shapeSize(reference.shape.slice(1));
  const columnMax = new Float64Array(innerSize);
  for (const tensor of [source, target]) {
    if (tensor === null) continue;
    for (let i = 0; i < tensor.data.length; i++) {
      const magnitude = Math.abs(tensor.data[i]);
      if (magnitude > columnMax[i % innerSize]) columnMax[i % innerSize] = magnitude;
    }
  }
  const scale = (tensor: Tensor | null): Tensor | null => {
    if (tensor === null) return null;
    const data = new Float32Array(tensor.data.length);
    for (let i = 0; i < data.length; i++) {
      const divisor = columnMax[i % innerSize];
      data[i] = divisor > 0 ? tensor.data[i] / divisor : tensor.data[i];
    }
    return { data, shape: [...tensor.shape] };
  };
  return { ...sequence, source_attributions: scale(source), target_attributions: scale(target) };
}
