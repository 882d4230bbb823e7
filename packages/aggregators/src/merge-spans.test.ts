import { InvalidInputError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { applyAggregator } from './aggregation-pipeline';
import { mergeSpans } from './merge-spans';
import { decoderSequence, encoderDecoderSequence, expectClose, freezeSequence, rows, tensor, tokens } from './sequence.fixture';
import { spansAggregator } from './spans-aggregator';
import { spansToGroups } from './token-span';

const N = Number.NaN;

describe('mergeSpans (the spans aggregator)', () => {
  it('merges target rows and the steps of merged generated tokens, by hand', () => {
    const sequence = decoderSequence();
    const unchanged = freezeSequence(sequence);
    const merged = applyAggregator(spansAggregator, sequence, { target_spans: [[1, 3], [3, 5]] });
    unchanged();
    expect(merged.target).toEqual([
      { token: 'A', id: 1 },
      { token: 'Ġbc', id: -1 },
      { token: 'Ġde', id: -1 },
    ]);
    expect(merged.source).toEqual(sequence.source);
    // Steps explain c (→ Ġbc), Ġd and e (→ Ġde): column groups [0, 1), [1, 3).
    expect([merged.attr_pos_start, merged.attr_pos_end]).toEqual([1, 3]);
    expectClose(rows(merged.target_attributions), [
      [0.1, -0.3], // absmax(0.2, -0.3)
      [N, 0.6], // {0.4, NaN}: c is being predicted → NaN; absmax(-0.5, 0.1, 0.6, 0.2)
      [N, N],
    ]);
    expectClose(rows(merged.step_scores.probability), [[0.5, 0.4 * 0.25]]); // prod
    expectClose(rows(merged.step_scores.entropy), [[1, 5]]); // sum
    expectClose(rows(merged.step_scores.logit), [[2, -5]]); // unlisted: absmax
  });

  it('merges source rows and step columns of encoder-decoder attributions', () => {
    const merged = mergeSpans(encoderDecoderSequence(), [0, 2], [[1, 3]]);
    expect(merged.source.map((t) => t.token)).toEqual(['▁Hello', '▁world']);
    expect(merged.target.map((t) => t.token)).toEqual(['▁Ciao', '▁mondo']);
    expectClose(rows(merged.source_attributions), [
      [-0.6, 0.3],
      [0.2, 0.4],
    ]);
    expectClose(rows(merged.target_attributions), [
      [N, 0.2],
      [N, N],
    ]);
    expectClose(rows(merged.step_scores.probability), [[0.9, 0.2]]);
    expect([merged.attr_pos_start, merged.attr_pos_end]).toEqual([0, 2]);
  });

  it('takes another function for attributions and per step score', () => {
    const merged = applyAggregator(spansAggregator, decoderSequence(), {
      target_spans: [3, 5],
      aggregate_fn: 'sum',
      step_scores_fn: { probability: 'mean' },
    });
    expectClose(rows(merged.target_attributions), [
      [0.1, 0.2 - 0.3],
      [0.4, -0.5 + 0.1],
      [N, 0.6 + 0.2],
      [N, N],
    ]);
    expectClose(rows(merged.step_scores.probability), [[0.5, (0.4 + 0.25) / 2]]);
    expectClose(rows(merged.step_scores.logit), [[2, -2]]);
    expect([merged.attr_pos_start, merged.attr_pos_end]).toEqual([2, 4]);
    const l1 = applyAggregator(spansAggregator, decoderSequence(), { target_spans: [0, 2], aggregate_fn: 'vnorm', vnorm_ord: 1 });
    expectClose(rows(l1.target_attributions).slice(0, 1), [[0.5, 0.7, 0.4]]);
  });

  it('merges a prompt-only span without touching the steps', () => {
    const merged = applyAggregator(spansAggregator, decoderSequence(), { target_spans: [0, 2], source_spans: [0, 2] });
    expect(merged.source).toEqual([{ token: 'AĠb', id: -1 }]);
    expectClose(rows(merged.target_attributions), [
      [0.4, -0.5, -0.3],
      [N, 0.6, 0.2],
      [N, N, -0.7],
      [N, N, N],
    ]);
    expect(merged.step_scores).toEqual(decoderSequence().step_scores);
    expect([merged.attr_pos_start, merged.attr_pos_end]).toEqual([1, 4]);
  });

  it('keeps trailing axes, merging per hidden index', () => {
    const sequence = {
      ...decoderSequence(),
      target_attributions: tensor([[1, -2, 3, 4, 5, 6], [-7, 1, 1, 1, 1, 1], [N, N, 2, 2, 2, 2], [N, N, N, N, 9, 9], [N, N, N, N, N, N]], [5, 3, 2]),
    };
    const merged = applyAggregator(spansAggregator, sequence, { target_spans: [0, 2] });
    expect(merged.target_attributions?.shape).toEqual([4, 3, 2]);
    expect(Array.from(merged.target_attributions!.data.subarray(0, 6))).toEqual([-7, -2, 3, 4, 5, 6]);
  });

  it('returns the sequence itself when there is nothing to merge, and rejects bad spans', () => {
    const sequence = decoderSequence();
    expect(applyAggregator(spansAggregator, sequence, {})).toBe(sequence);
    expect(() => spansToGroups(5, [[2, 4], [3, 5]], 'target spans')).toThrow(InvalidInputError);
    expect(() => spansToGroups(5, [[3, 5], [0, 2]], 'target spans')).toThrow(/ascending/);
    expect(() => spansToGroups(5, [4, 6], 'target spans')).toThrow(/≤ 5/);
    expect(() => spansToGroups(5, [2, 2], 'target spans')).toThrow(InvalidInputError);
    expect(spansToGroups(4, [[1, 3]], 'x')).toEqual([[0, 1], [1, 3], [3, 4]]);
    expect(() => applyAggregator(spansAggregator, sequence, { target_spans: [0, 2], aggregate_fn: 'median' })).toThrow(/'aggregate_fn' must be one of 'vnorm', 'absmax'/);
    expect(() => mergeSpans(sequence, undefined, [0, 2], { aggregateFn: 'median' })).toThrow(/Known/);
  });

  it('merges sequence scores by their id', () => {
    const sequence = {
      ...encoderDecoderSequence(),
      sequence_scores: {
        encoder_self_attentions: tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        decoder_self_attentions: tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        cross: tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        flat: tensor([[1, 2]], [2]),
      },
    };
    const merged = mergeSpans(sequence, [0, 2], [1, 3]);
    expect(rows(merged.sequence_scores.encoder_self_attentions)).toEqual([[5, 6], [8, 9]]);
    expect(rows(merged.sequence_scores.decoder_self_attentions)).toEqual([[1, 3], [7, 9]]);
    expect(rows(merged.sequence_scores.cross)).toEqual([[4, 6], [7, 9]]);
    expect(merged.sequence_scores.flat).toBe(sequence.sequence_scores.flat);
    expect(tokens('x')[0]).toEqual({ token: 'x', id: 1 });
  });
});
