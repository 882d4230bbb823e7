import { InvalidInputError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { applyAggregator } from './aggregation-pipeline';
import { decoderSequence, expectClose, freezeSequence, rows, tokens } from './sequence.fixture';
import { splitAggregator } from './split-aggregator';
import { splitSpans } from './split-spans';

const N = Number.NaN;
const pieces = ['Hi', '.', 'ĠHow', 'Ġare', 'Ġyou', '?', 'ĠFine', '.'];

describe('splitSpans', () => {
  it('splits at pattern matches, in the three modes', () => {
    // single: Hi | . | ĠHow Ġare Ġyou | ? | ĠFine | . — only the 3-token run is a span.
    expect(splitSpans(pieces, '[.?]')).toEqual([[2, 5]]);
    expect(splitSpans(pieces, '[.?]', { splitMode: 'end' })).toEqual([
      [0, 2],
      [2, 6],
      [6, 8],
    ]);
    expect(splitSpans(pieces, '[.?]', { splitMode: 'start' })).toEqual([
      [1, 5],
      [5, 7],
    ]);
  });

  it('reads markers as whitespace, keeps special tokens alone and accepts a RegExp', () => {
    // 'Ċ' is a newline: lines.
    expect(splitSpans(['a', 'Ġb', 'Ċ', 'c', 'Ġd', '<|endoftext|>'], '\n')).toEqual([
      [0, 2],
      [3, 5],
    ]);
    expect(splitSpans(['▁one', '▁two', '▁three'], /\s+t/)).toEqual([]);
    expect(splitSpans(tokens('x', ',', 'y', 'z'), /,/, { splitMode: 'end' })).toEqual([
      [0, 2],
      [2, 4],
    ]);
  });

  it('rejects a bad pattern or mode', () => {
    expect(() => splitSpans(pieces, '[')).toThrow(InvalidInputError);
    expect(() => splitSpans(pieces, '\\.', { splitMode: 'middle' as 'end' })).toThrow(/splitMode/);
  });
});

describe('split aggregator', () => {
  it('merges sentences of source and target, by hand', () => {
    // Target A Ġb c Ġd e with 'c' as a separator: ['A Ġb'] ['c'] ['Ġd e'].
    const sequence = { ...decoderSequence(), target: tokens('A', 'Ġb', '.', 'Ġd', 'e') };
    const unchanged = freezeSequence(sequence);
    const merged = applyAggregator(splitAggregator, sequence, { split_pattern: '\\.' });
    unchanged();
    expect(merged.target.map((t) => t.token)).toEqual(['AĠb', '.', 'Ġde']);
    expect(merged.source.map((t) => t.token)).toEqual(['AĠb']);
    expectClose(rows(merged.target_attributions), [
      [0.4, -0.5],
      [N, 0.6],
      [N, N],
    ]);
    expectClose(rows(merged.step_scores.probability), [[0.5, 0.1]]);
    expect([merged.attr_pos_start, merged.attr_pos_end]).toEqual([1, 3]);
  });

  it('needs a pattern', () => {
    expect(() => applyAggregator(splitAggregator, decoderSequence(), {})).toThrow(/needs option 'split_pattern'/);
  });
});
