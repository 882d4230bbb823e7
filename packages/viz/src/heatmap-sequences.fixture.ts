import type { SequenceAttribution } from '@inseq/core';

const NAN = Number.NaN;
const NAN4 = [NAN, NAN, NAN, NAN];

/**
 * Test fixture: decoder-only, 6 target tokens, attr_pos_start 3, 3 steps, hidden 4. Hidden
 * vectors have integer L2 norms, [position][step]:
 *   [5 1 3] [5 3 1] [7 2 5] [NaN 5 5] [NaN NaN 6] [NaN NaN NaN] — column sums 17, 11, 20.
 */
export function gradientSequence(): SequenceAttribution {
  const vectors = [
    [[1, 2, 2, 4], [1, 0, 0, 0], [2, 2, 1, 0]],
    [[0, 3, 4, 0], [2, 2, 1, 0], [1, 0, 0, 0]],
    [[2, 3, 6, 0], [0, 0, 0, 2], [0, 3, 4, 0]],
    [NAN4, [0, 0, 4, -3], [-2, 1, 2, 4]],
    [NAN4, NAN4, [0, 0, 0, 6]],
    [NAN4, NAN4, NAN4],
  ];
  const tokens = ['The', 'Ġcapital', 'Ġof', 'ĠFrance', 'Ġis', 'ĠParis'];
  return {
    source: tokens.slice(0, 3).map((token, id) => ({ token, id })),
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

/**
 * Test fixture: encoder-decoder-like, already aggregated and signed. Source 2 tokens, target
 * 4 tokens, attr_pos_start 1, 3 steps; the largest |value| is 0.5.
 */
export function signedSequence(overrides?: { source?: string[]; target?: string[] }): SequenceAttribution {
  const source = overrides?.source ?? ['▁Hello', '</s>'];
  const target = overrides?.target ?? ['<pad>', '▁Bonjour', 'Ċ', '</s>'];
  return {
    source: source.map((token, id) => ({ token, id })),
    target: target.map((token, id) => ({ token, id })),
    source_attributions: { data: Float32Array.from([0.5, -0.25, 0.1, -0.5, 0.25, 0.2]), shape: [2, 3] },
    target_attributions: {
      data: Float32Array.from([0, 0.5, -0.2, NAN, 0, 0.3, NAN, NAN, 0.2, NAN, NAN, NAN]),
      shape: [4, 3],
    },
    step_scores: {},
    sequence_scores: {},
    attr_pos_start: 1,
    attr_pos_end: 4,
  };
}
