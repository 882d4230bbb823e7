import { InvalidInputError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { aggregateHiddenSize } from './aggregate-hidden-size';
import { expectRowsClose, gradientSequence, gradientSequenceColumnSums, gradientSequenceNorms, toRows } from './gradient-sequence.fixture';
import { normalizeAttributions } from './normalize-attributions';

describe('normalizeAttributions', () => {
  it('divides every step column by the sum of its absolute values, NaN ignored and kept', () => {
    const normalized = normalizeAttributions(aggregateHiddenSize(gradientSequence()));
    const rows = toRows(normalized.target_attributions!);
    const expected = gradientSequenceNorms.map((row) => row.map((norm, s) => norm / gradientSequenceColumnSums[s]));
    expectRowsClose(rows, expected);
    expect(rows[0][0]).toBeCloseTo(5 / 17, 6);
    expect(rows[4][2]).toBeCloseTo(0.3, 6);
  });

  it('normalises source and target together, signs kept', () => {
    const sequence = {
      ...gradientSequence(),
      source_attributions: { data: Float32Array.from([1, -2, 3, 0]), shape: [2, 2] },
      target_attributions: { data: Float32Array.from([-4, 2, Number.NaN, 0]), shape: [2, 2] },
    };
    const normalized = normalizeAttributions(sequence);
    // column 0: |1| + |3| + |-4| = 8; column 1: |-2| + |0| + |2| + |0| = 4
    expect(Array.from(normalized.source_attributions!.data)).toEqual([0.125, -0.5, 0.375, 0]);
    const target = Array.from(normalized.target_attributions!.data);
    expect(target.slice(0, 2)).toEqual([-0.5, 0.5]);
    expect(target[2]).toBeNaN();
  });

  it('leaves an all-zero column at zero, as F.normalize does', () => {
    const sequence = { ...gradientSequence(), target_attributions: { data: Float32Array.from([0, 1, 0, 1]), shape: [2, 2] } };
    expect(Array.from(normalizeAttributions(sequence).target_attributions!.data)).toEqual([0, 0.5, 0, 0.5]);
  });

  it('normalises per trailing index when not yet aggregated, as Inseq', () => {
    const sequence = { ...gradientSequence(), target_attributions: { data: Float32Array.from([1, 2, 3, -2]), shape: [2, 1, 2] } };
    expect(Array.from(normalizeAttributions(sequence).target_attributions!.data)).toEqual([0.25, 0.5, 0.75, -0.5]);
  });

  it('rejects source and target attributions of different steps', () => {
    const sequence = {
      ...gradientSequence(),
      source_attributions: { data: new Float32Array(4), shape: [2, 2] },
      target_attributions: { data: new Float32Array(6), shape: [2, 3] },
    };
    expect(() => normalizeAttributions(sequence)).toThrow(InvalidInputError);
  });
});
