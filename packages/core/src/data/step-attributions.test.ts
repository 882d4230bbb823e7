import { describe, expect, it } from 'vitest';
import type { SequenceAttribution } from './feature-attribution-output';
import { stepAttributionsOf } from './step-attributions';

const tokens = (...words: string[]) => words.map((token, id) => ({ token, id }));

/** Encoder-decoder sequences of different lengths: `[length, steps]` attributions valued 10·position + step. */
function sequence(source: number, target: number, steps: number): SequenceAttribution {
  const grid = (length: number) => ({ data: Float32Array.from({ length: length * steps }, (_, i) => 10 * Math.floor(i / steps) + (i % steps)), shape: [length, steps] });
  return {
    source: tokens(...Array.from({ length: source }, (_, i) => `s${i}`)),
    target: tokens(...Array.from({ length: target }, (_, i) => `t${i}`)),
    source_attributions: grid(source),
    target_attributions: grid(target),
    step_scores: { probability: { data: Float32Array.from({ length: steps }, (_, k) => 0.5 + k), shape: [steps] } },
    sequence_scores: {},
    attr_pos_start: 1,
    attr_pos_end: 1 + steps,
  };
}

describe('stepAttributionsOf', () => {
  it("batches column k of every sequence, padded with null to the longest, as Inseq's step outputs", () => {
    const steps = stepAttributionsOf([sequence(2, 3, 2), sequence(3, 2, 1)]);
    expect(steps).toHaveLength(2);
    expect(steps[0].source_attributions).toEqual([
      [0, 10, null],
      [0, 10, 20],
    ]);
    expect(steps[0].target_attributions).toEqual([
      [0, 10, 20],
      [0, 10, null],
    ]);
    expect(steps[0].step_scores).toEqual({ probability: [0.5, 0.5] });
    expect(steps[0].target).toEqual([[{ token: 't1', id: 1 }], [{ token: 't1', id: 1 }]]);
    expect(steps[0].prefix).toEqual([tokens('t0'), tokens('t0')]);
    // The second sequence has one step only: its row of step 1 is null, its target empty.
    expect(steps[1].source_attributions).toEqual([
      [1, 11, null],
      [null, null, null],
    ]);
    expect(steps[1].step_scores).toEqual({ probability: [1.5, null] });
    expect(steps[1].target).toEqual([[{ token: 't2', id: 2 }], []]);
    expect(steps[1].prefix[0]).toEqual(tokens('t0', 't1'));
  });
});
