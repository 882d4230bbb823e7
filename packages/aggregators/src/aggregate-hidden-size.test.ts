import { createRegistry, InvalidInputError, UnknownIdError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { aggregateHiddenSize } from './aggregate-hidden-size';
import { type AggregationFunction, defineAggregationFunction } from './aggregation-function';
import { gradientSequence, gradientSequenceNorms, toRows } from './gradient-sequence.fixture';

describe('aggregateHiddenSize', () => {
  it('reduces [len, nSteps, hidden] to [len, nSteps] with vnorm by default, NaN kept', () => {
    const sequence = gradientSequence();
    const aggregated = aggregateHiddenSize(sequence);
    expect(aggregated.target_attributions?.shape).toEqual([6, 3]);
    expect(toRows(aggregated.target_attributions!)).toEqual(gradientSequenceNorms);
    expect(aggregated.source_attributions).toBeNull();
    expect(aggregated.step_scores).toBe(sequence.step_scores);
    expect(aggregated.attr_pos_start).toBe(3);
    // the input is not modified
    expect(sequence.target_attributions?.shape).toEqual([6, 3, 4]);
  });

  it('uses the named aggregation function', () => {
    const rows = toRows(aggregateHiddenSize(gradientSequence(), 'sum').target_attributions!);
    expect(rows[0]).toEqual([9, 1, 5]);
    expect(rows[3].slice(1)).toEqual([1, 5]);
    expect(toRows(aggregateHiddenSize(gradientSequence(), 'absmax').target_attributions!)[3].slice(1)).toEqual([4, 4]);
  });

  it('reduces several trailing axes together and aggregates source attributions too', () => {
    const sequence = {
      ...gradientSequence(),
      source_attributions: { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), shape: [1, 2, 2, 2] },
      target_attributions: null,
    };
    const aggregated = aggregateHiddenSize(sequence, 'sum');
    expect(aggregated.source_attributions?.shape).toEqual([1, 2]);
    expect(Array.from(aggregated.source_attributions!.data)).toEqual([10, 26]);
  });

  it('returns [len, nSteps] attributions unchanged', () => {
    const once = aggregateHiddenSize(gradientSequence());
    expect(aggregateHiddenSize(once).target_attributions).toBe(once.target_attributions);
  });

  it('looks functions up in a given registry and rejects unknown ids and bad shapes', () => {
    const functions = createRegistry<AggregationFunction>('aggregation function').register(
      defineAggregationFunction({ name: 'first', description: 'First value.', reduce: (values) => values[0] }),
    );
    expect(toRows(aggregateHiddenSize(gradientSequence(), 'first', { functions }).target_attributions!)[0]).toEqual([1, 1, 2]);
    expect(() => aggregateHiddenSize(gradientSequence(), 'l2')).toThrow(UnknownIdError);
    const flat = { ...gradientSequence(), target_attributions: { data: new Float32Array(6), shape: [6] } };
    expect(() => aggregateHiddenSize(flat)).toThrow(InvalidInputError);
    const empty = { ...gradientSequence(), target_attributions: { data: new Float32Array(0), shape: [6, 3, 0] } };
    expect(() => aggregateHiddenSize(empty)).toThrow(/empty trailing axis/);
  });
});
