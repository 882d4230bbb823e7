import { InvalidInputError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { applyAggregator } from './aggregation-pipeline';
import { gradientSequence } from './gradient-sequence.fixture';
import { rescaleAttributions } from './rescale-attributions';
import { scoresAggregator } from './scores-aggregator';
import { resolveSelectIndices } from './select-indices';
import { encoderDecoderSequence, expectClose, freezeSequence, rows, tensor } from './sequence.fixture';

const N = Number.NaN;

/** Two positions, two steps, last axis of 3 units: [[1, -2, 3], …]. */
function unitsSequence() {
  return {
    ...gradientSequence(),
    target_attributions: tensor([[1, -2, 3, 0, 4, -1, 2, 2, 2, N, N, N]], [2, 2, 3]),
  };
}

describe('scores aggregator', () => {
  it('selects units of the last axis before reducing (Inseq select_idx), by hand', () => {
    const sequence = unitsSequence();
    const unchanged = freezeSequence(sequence);
    // One index: the axis is removed, nothing is aggregated.
    const single = applyAggregator(scoresAggregator, sequence, { select_idx: 1, normalize: false });
    expectClose(rows(single.target_attributions), [
      [-2, 4],
      [2, N],
    ]);
    // Negative index from the end.
    expectClose(rows(applyAggregator(scoresAggregator, sequence, { select_idx: -1, normalize: false }).target_attributions), [
      [3, -1],
      [2, N],
    ]);
    // A list, then sum.
    expectClose(rows(applyAggregator(scoresAggregator, sequence, { select_idx: [0, 2], aggregate_fn: 'sum', normalize: false }).target_attributions), [
      [4, -1],
      [4, N],
    ]);
    // A span {start, end}, end exclusive.
    expectClose(rows(applyAggregator(scoresAggregator, sequence, { select_idx: { start: 0, end: 2 }, aggregate_fn: 'sum', normalize: false }).target_attributions), [
      [-1, 4],
      [4, N],
    ]);
    unchanged();
  });

  it('validates select_idx as Inseq', () => {
    expect(resolveSelectIndices([1], 3)).toBe(1);
    expect(resolveSelectIndices({ start: -2, end: 3 }, 3)).toEqual([1, 2]);
    expect(() => resolveSelectIndices(3, 3)).toThrow(/out of range/);
    expect(() => resolveSelectIndices([0, 0], 3)).toThrow(/duplicate/);
    expect(() => resolveSelectIndices([], 3)).toThrow(InvalidInputError);
    expect(() => resolveSelectIndices({ start: 2, end: 1 }, 3)).toThrow(/empty/);
    const flat = { ...gradientSequence(), target_attributions: tensor([[1, 2]]) };
    expect(() => applyAggregator(scoresAggregator, flat, { select_idx: 0 })).toThrow(/no trailing axis/);
  });

  it('rescales each step column by its largest magnitude instead of normalising', () => {
    const rescaled = applyAggregator(scoresAggregator, unitsSequence(), { aggregate_fn: 'sum', rescale: true });
    // sums: [[2, 3], [6, NaN]] → column 0 / 6, column 1 / 3
    expectClose(rows(rescaled.target_attributions), [
      [1 / 3, 1],
      [1, N],
    ]);
    expect(() => applyAggregator(scoresAggregator, unitsSequence(), { rescale: true, normalize: true })).toThrow(/rescale/);
  });

  it('rescales source and target together and leaves zero columns at zero', () => {
    const sequence = {
      ...encoderDecoderSequence(),
      source_attributions: tensor([[2, 0], [-4, 0]]),
      target_attributions: tensor([[N, 0], [N, N]]),
    };
    const rescaled = rescaleAttributions(sequence);
    expectClose(rows(rescaled.source_attributions), [
      [0.5, 0],
      [-1, 0],
    ]);
    expectClose(rows(rescaled.target_attributions), [
      [N, 0],
      [N, N],
    ]);
  });

  it('passes vnorm_ord to vnorm', () => {
    const l1 = applyAggregator(scoresAggregator, unitsSequence(), { vnorm_ord: 1, normalize: false });
    expectClose(rows(l1.target_attributions), [
      [6, 5],
      [6, N],
    ]);
    const lInf = applyAggregator(scoresAggregator, unitsSequence(), { vnorm_ord: Number.POSITIVE_INFINITY, normalize: false });
    expectClose(rows(lInf.target_attributions), [
      [3, 4],
      [2, N],
    ]);
  });

  it('normalises encoder-decoder source and target together', () => {
    const normalized = applyAggregator(scoresAggregator, encoderDecoderSequence());
    // column 1: 0.1 + 0.3 + 0.2 (source) + 0.2 (target) = 0.8
    expect(rows(normalized.source_attributions).map((row) => row[1])).toEqual([
      expect.closeTo(0.125, 6),
      expect.closeTo(0.375, 6),
      expect.closeTo(0.25, 6),
    ]);
    expect(rows(normalized.target_attributions)[0][1]).toBeCloseTo(0.25, 6);
  });
});
