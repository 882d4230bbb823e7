import type { SequenceAttribution } from '@inseq/core';

export { gradientSequence } from '@inseq/testing';

const NAN = Number.NaN;
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
