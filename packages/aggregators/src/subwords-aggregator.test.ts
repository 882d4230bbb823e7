import { describe, expect, it } from 'vitest';
import { applyAggregator } from './aggregation-pipeline';
import { decoderSequence, encoderDecoderSequence, expectClose, freezeSequence, rows } from './sequence.fixture';
import { subwordsAggregator } from './subwords-aggregator';

const N = Number.NaN;

describe('subwords aggregator', () => {
  it('merges GPT-2 subwords of prompt and generation, steps included, by hand', () => {
    const sequence = decoderSequence(); // A Ġb c Ġd e, steps explain c, Ġd, e
    const unchanged = freezeSequence(sequence);
    const merged = applyAggregator(subwordsAggregator, sequence);
    unchanged();
    expect(merged.target.map((t) => t.token)).toEqual(['A', 'Ġbc', 'Ġde']);
    expect(merged.source.map((t) => t.token)).toEqual(['A', 'Ġb']);
    expectClose(rows(merged.target_attributions), [
      [0.1, -0.3],
      [N, 0.6],
      [N, N],
    ]);
    expectClose(rows(merged.step_scores.probability), [[0.5, 0.1]]);
    expectClose(rows(merged.step_scores.entropy), [[1, 5]]);
    expect([merged.attr_pos_start, merged.attr_pos_end]).toEqual([1, 3]);
  });

  it('merges SentencePiece source and target of an encoder-decoder', () => {
    const merged = applyAggregator(subwordsAggregator, encoderDecoderSequence());
    expect(merged.source.map((t) => t.token)).toEqual(['▁Hello', '▁world']);
    expect(merged.target.map((t) => t.token)).toEqual(['▁Ciao', '▁mondo']);
    expectClose(rows(merged.source_attributions), [
      [-0.6, 0.3],
      [0.2, 0.4],
    ]);
    expectClose(rows(merged.step_scores.probability), [[0.9, 0.5 * 0.4]]);
  });

  it('can leave the source or the target alone', () => {
    const targetOnly = applyAggregator(subwordsAggregator, encoderDecoderSequence(), { aggregate_source: false });
    expect(targetOnly.source.length).toBe(3);
    expect(targetOnly.source_attributions?.shape).toEqual([3, 2]);
    const sourceOnly = applyAggregator(subwordsAggregator, encoderDecoderSequence(), { aggregate_target: false });
    expect(sourceOnly.target.length).toBe(3);
    expect(sourceOnly.source_attributions?.shape).toEqual([2, 3]);
  });
});
