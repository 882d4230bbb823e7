import { describe, expect, it } from 'vitest';
import { decoderSequence, encoderDecoderSequence, expectClose, freezeSequence, rows } from './sequence.fixture';
import { slicesAggregator } from './slices-aggregator';

const N = Number.NaN;

describe('slices aggregator', () => {
  it('keeps a target window, its rows and the steps inside it, by hand', () => {
    const sequence = decoderSequence(); // A Ġb c Ġd e; steps explain c, Ġd, e
    const unchanged = freezeSequence(sequence);
    const sliced = slicesAggregator.aggregate(sequence, { targetSpans: [1, 4] });
    unchanged();
    expect(sliced.target.map((t) => t.token)).toEqual(['Ġb', 'c', 'Ġd']);
    expect([sliced.attr_pos_start, sliced.attr_pos_end]).toEqual([1, 3]);
    expectClose(rows(sliced.target_attributions), [
      [0.4, -0.5],
      [N, 0.6],
      [N, N],
    ]);
    expectClose(rows(sliced.step_scores.probability), [[0.5, 0.4]]);
    expect(sliced.source).toEqual(sequence.source);
  });

  it('keeps a source window of an encoder-decoder, and both at once', () => {
    const sliced = slicesAggregator.aggregate(encoderDecoderSequence(), { sourceSpans: [1, 3], targetSpans: [1, 3] });
    expect(sliced.source.map((t) => t.token)).toEqual(['lo', '▁world']);
    expectClose(rows(sliced.source_attributions), [
      [0.3, 0.1],
      [0.2, 0.4],
    ]);
    expectClose(rows(sliced.target_attributions), [
      [N, 0.3],
      [N, N],
    ]);
    expect([sliced.attr_pos_start, sliced.attr_pos_end]).toEqual([0, 2]);
  });

  it('rejects windows out of range or without a generated token', () => {
    expect(() => slicesAggregator.aggregate(decoderSequence(), { targetSpans: [0, 2] })).toThrow(/no generated token/);
    expect(() => slicesAggregator.aggregate(decoderSequence(), { targetSpans: [3, 9] })).toThrow(/≤ 5/);
    expect(() => slicesAggregator.aggregate(decoderSequence(), { sourceSpans: [1, 1] })).toThrow(/start < end/);
  });
});
