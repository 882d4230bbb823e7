import { InvalidInputError, type SequenceAttribution, shapeSize, type Tensor } from '@inseq/core';

/** `torch.nn.functional.normalize`'s default `eps`: an all-zero column stays zero instead of NaN. */
const EPSILON = 1e-12;

/**
 * Rescales the attributions so that, in every step column, the absolute values of the source and
 * target attributions together sum to 1 (L1 normalisation over the token axis). NaN is ignored
 * in the sum and kept in the result; an all-zero column stays zero.
 *
 * This is Inseq's `normalize` (`inseq/utils/torch_utils.py`: `normalize(attributions,
 * norm_dim=0, norm_ord=1)`, NaN set to 0, `F.normalize(p=1, dim=0)`, i.e.
 * `x / max(‖x‖₁, 1e-12)`, NaN restored), applied by `SequenceAttributionAggregator`
 * (`inseq/data/aggregator.py`) to the source and target attributions concatenated along the token
 * axis. Attributions with trailing axes are normalised per trailing index, as in Inseq.
 *
 * @param sequence - The attributions of one sequence; not modified.
 * @returns A new sequence with normalised source and target attributions.
 * @throws InvalidInputError when source and target attributions disagree beyond the token axis.
 */
export function normalizeAttributions(sequence: SequenceAttribution): SequenceAttribution {
  const source = sequence.source_attributions;
  const target = sequence.target_attributions;
  const reference = source ?? target;
  if (reference === null) return sequence;
  const innerShape = reference.shape.slice(1);
  if (source && target && source.shape.slice(1).join(',') !== target.shape.slice(1).join(',')) {
    throw new InvalidInputError(
      `source_attributions [${source.shape.join(', ')}] and target_attributions [${target.shape.join(', ')}] must agree beyond the token axis to be normalised together.`,
    );
  }
  const innerSize = shapeSize(innerShape);
  const columnSums = new Float64Array(innerSize);
  for (const tensor of [source, target]) {
    if (tensor === null) continue;
    for (let i = 0; i < tensor.data.length; i++) {
      const value = tensor.data[i];
      if (!Number.isNaN(value)) columnSums[i % innerSize] += Math.abs(value);
    }
  }
  const scale = (tensor: Tensor | null): Tensor | null => {
    if (tensor === null) return null;
    const data = new Float32Array(tensor.data.length);
    for (let i = 0; i < data.length; i++) data[i] = tensor.data[i] / Math.max(columnSums[i % innerSize], EPSILON);
    return { data, shape: [...tensor.shape] };
  };
  return { ...sequence, source_attributions: scale(source), target_attributions: scale(target) };
}
