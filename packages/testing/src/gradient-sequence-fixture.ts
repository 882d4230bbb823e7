import type { SequenceAttribution } from '@inseq/core';

const NAN4 = [Number.NaN, Number.NaN, Number.NaN, Number.NaN];

/** Hidden vectors by [position][step]; NaN where position ≥ attr_pos_start + step. */
const vectors: number[][][] = [
  [[1, 2, 2, 4], [1, 0, 0, 0], [2, 2, 1, 0]],
  [[0, 3, 4, 0], [2, 2, 1, 0], [1, 0, 0, 0]],
  [[2, 3, 6, 0], [0, 0, 0, 2], [0, 3, 4, 0]],
  [NAN4, [0, 0, 4, -3], [-2, 1, 2, 4]],
  [NAN4, NAN4, [0, 0, 0, 6]],
  [NAN4, NAN4, NAN4],
];

/** L2 norms of the fixture's hidden vectors by [position][step]. */
export const gradientSequenceNorms: readonly (readonly number[])[] = [
  [5, 1, 3],
  [5, 3, 1],
  [7, 2, 5],
  [Number.NaN, 5, 5],
  [Number.NaN, Number.NaN, 6],
  [Number.NaN, Number.NaN, Number.NaN],
];

/** Column sums of {@link gradientSequenceNorms}: 17, 11, 20. */
export const gradientSequenceColumnSums: readonly number[] = [17, 11, 20];

/**
 * A hand-made decoder-only {@link SequenceAttribution} (a fresh copy on every call): 6 target
 * tokens, attr_pos_start 3, 3 steps, hidden 4. Every attributable hidden vector has an integer L2
 * norm, so aggregated and normalised values can be written down by hand.
 */
export function gradientSequence(): SequenceAttribution {
  const tokens = ['The', 'Ġcapital', 'Ġof', 'ĠFrance', 'Ġis', 'ĠParis'];
  return {
    source: tokens.slice(0, 3).map((token, id) => ({ token, id: 100 + id })),
    target: tokens.map((token, id) => ({ token, id: 100 + id })),
    source_attributions: null,
    target_attributions: { data: Float32Array.from(vectors.flat(2)), shape: [6, 3, 4] },
    step_scores: {
      probability: { data: Float32Array.from([0.5, 0.25, 0.125]), shape: [3] },
      logit: { data: Float32Array.from([1, 2, 3]), shape: [3] },
    },
    sequence_scores: {},
    attr_pos_start: 3,
    attr_pos_end: 6,
  };
}
