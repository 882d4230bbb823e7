import { describe, expect, it } from 'vitest';
import { applyAggregator } from './aggregation-pipeline';
import { decoderSequence, encoderDecoderSequence, expectClose, freezeSequence, rows } from './sequence.fixture';
import { slicesAggregator } from './slices-aggregator';

const N = Number.NaN;

describe('slices aggregator (Inseq SliceAggregator: context window, generated tokens kept)', () => {
  it('decoder-only: keeps a prompt window and every generated token, by hand', () => {
    const sequence = decoderSequence(); // A Ġb | c Ġd e; steps explain c, Ġd, e
    const unchanged = freezeSequence(sequence);
    const sliced = applyAggregator(slicesAggregator, sequence, { target_spans: [1, 2] });
    unchanged();
    expect(sliced.target.map((t) => t.token)).toEqual(['Ġb', 'c', 'Ġd', 'e']);
    expect([sliced.attr_pos_start, sliced.attr_pos_end]).toEqual([1, 4]);
    expectClose(rows(sliced.target_attributions), [
      [0.4, -0.5, 0.1],
      [N, 0.6, 0.2],
      [N, N, -0.7],
      [N, N, N],
    ]);
    expectClose(rows(sliced.step_scores.probability), [[0.5, 0.4, 0.25]]);
  });

  it('encoder-decoder: keeps a source window with its rows; the target is untouched', () => {
    const sliced = applyAggregator(slicesAggregator, encoderDecoderSequence(), { source_spans: [1, 3] });
    expect(sliced.source.map((t) => t.token)).toEqual(['lo', '▁world']);
    expectClose(rows(sliced.source_attributions), [
      [-0.6, 0.3, 0.1],
      [0.2, 0.2, 0.4],
    ]);
    expect(sliced.target.map((t) => t.token)).toEqual(['▁Ciao', '▁mon', 'do']);
    expect([sliced.attr_pos_start, sliced.attr_pos_end]).toEqual([0, 3]);
  });

  it('refuses the side without context and passes through without a window', () => {
    expect(() => applyAggregator(slicesAggregator, encoderDecoderSequence(), { target_spans: [0, 1] })).toThrow(/sliced on its source/);
    expect(() => applyAggregator(slicesAggregator, decoderSequence(), { source_spans: [0, 1] })).toThrow(/sliced on its target prompt/);
    const sequence = decoderSequence();
    expect(applyAggregator(slicesAggregator, sequence, {})).toBe(sequence);
  });
});
