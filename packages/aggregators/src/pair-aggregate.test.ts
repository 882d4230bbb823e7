import { describe, expect, it } from 'vitest';
import { applyAggregator } from './aggregation-pipeline';
import { pairAggregate } from './pair-aggregate';
import { pairAggregator } from './pair-aggregator';
import { decoderSequence, encoderDecoderSequence, expectClose, freezeSequence, rows, tensor, tokens } from './sequence.fixture';

const N = Number.NaN;

function shifted() {
  const base = decoderSequence();
  return {
    ...base,
    target: tokens('A', 'Ġb', 'x', 'Ġd', 'e'),
    target_attributions: tensor([
      [0.3, 0.2, 0.1],
      [0.1, -0.1, 0.1],
      [N, 0.1, 0.7],
      [N, N, 0.3],
      [N, N, N],
    ]),
    step_scores: { ...base.step_scores, probability: tensor([[0.25, 0.5, 0.5]], [3]) },
  };
}

describe('pairAggregate', () => {
  it('is second minus first, tokens shown as first → second, by hand', () => {
    const first = decoderSequence();
    const second = shifted();
    const check = [freezeSequence(first), freezeSequence(second)];
    const diff = pairAggregate(first, second);
    for (const unchanged of check) unchanged();
    expect(diff.target.map((t) => t.token)).toEqual(['A', 'Ġb', 'c → x', 'Ġd', 'e']);
    expect(diff.target[2].id).toBe(-1);
    expect(diff.target[0]).toEqual(first.target[0]);
    expectClose(rows(diff.target_attributions), [
      [0.2, 0, 0.4],
      [-0.3, 0.4, 0],
      [N, -0.5, 0.5],
      [N, N, 1],
      [N, N, N],
    ]);
    expectClose(rows(diff.step_scores.probability), [[-0.25, 0.1, 0.25]]);
    expect(diff.source_attributions).toBeNull();
  });

  it('round-trips: first + (second − first) = second, and swapping negates', () => {
    const first = decoderSequence();
    const second = shifted();
    const forward = pairAggregate(first, second);
    const backward = pairAggregate(second, first);
    const sum = rows(first.target_attributions).map((row, r) => row.map((value, c) => value + rows(forward.target_attributions)[r][c]));
    expectClose(sum, rows(second.target_attributions));
    expectClose(
      rows(backward.target_attributions),
      rows(forward.target_attributions).map((row) => row.map((value) => -value)),
    );
    // Pairing with itself gives zeros (NaN kept) and the original tokens.
    const self = pairAggregate(first, first);
    expect(self.target).toEqual(first.target);
    expect(Array.from(self.step_scores.probability.data)).toEqual([0, 0, 0]);
  });

  it('works on encoder-decoder attributions and as the pair aggregator', () => {
    const first = encoderDecoderSequence();
    const second = { ...first, source_attributions: tensor([[1, 1, 1], [1, 1, 1], [1, 1, 1]]) };
    const diff = applyAggregator(pairAggregator, first, { paired_attr: second });
    expectClose(rows(diff.source_attributions), [
      [0.5, 0.9, 0.8],
      [1.6, 0.7, 0.9],
      [0.8, 0.8, 0.6],
    ]);
    expect(() => applyAggregator(pairAggregator, first, {})).toThrow(/needs option 'paired_attr'/);
  });

  it('rejects sequences that cannot be compared', () => {
    const first = decoderSequence();
    expect(() => pairAggregate(first, { ...first, target: first.target.slice(1) })).toThrow(/target length/);
    expect(() => pairAggregate(first, { ...first, attr_pos_start: 1 })).toThrow(/attributed positions/);
    expect(() => pairAggregate(first, { ...first, step_scores: {} })).toThrow(/step_scores ids/);
    expect(() => pairAggregate(first, encoderDecoderSequence())).toThrow(/match/);
  });
});
