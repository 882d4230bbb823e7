import { type Aggregator, createRegistry, defineAggregator, UnknownIdError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import {
  aggregate,
  aggregateOutput,
  defaultPipeline,
  parseAggregationPipeline,
  resolveAggregationPipeline,
} from './aggregation-pipeline';
import { defaultAggregate } from './default-aggregate';
import { gradientSequence } from './gradient-sequence.fixture';
import { registerBuiltinAggregators } from './register-builtin-aggregators';
import { decoderSequence, expectClose, freezeSequence, rows } from './sequence.fixture';

const N = Number.NaN;

describe('aggregation pipelines', () => {
  it('applies steps in order: subwords, then scores normalisation, by hand', () => {
    const sequence = decoderSequence();
    const unchanged = freezeSequence(sequence);
    const result = aggregate(sequence, ['subwords', { id: 'scores', options: { normalize: true } }]);
    unchanged();
    expect(result.target.map((t) => t.token)).toEqual(['A', 'Ġbc', 'Ġde']);
    // merged [[0.1, -0.3], [NaN, 0.6], [NaN, NaN]] → columns / 0.1 and / 0.9
    expectClose(rows(result.target_attributions), [
      [1, -1 / 3],
      [N, 2 / 3],
      [N, N],
    ]);
  });

  it('reads a bare function id as scores with that function, as Inseq', () => {
    const viaFunction = aggregate(gradientSequence(), ['vnorm']);
    expectClose(rows(viaFunction.target_attributions), rows(defaultAggregate(gradientSequence()).target_attributions!));
    const withOptions = aggregate(gradientSequence(), [{ id: 'sum', options: { normalize: false } }]);
    expect(rows(withOptions.target_attributions)[0]).toEqual([9, 1, 5]);
  });

  it("takes Inseq's snake_case option names", () => {
    const picked = aggregate(gradientSequence(), [{ id: 'scores', options: { select_idx: 3, normalize: false } }]);
    expect(rows(picked.target_attributions)[0]).toEqual([4, 0, 0]);
    const spans = aggregate(decoderSequence(), [{ id: 'spans', options: { target_spans: [3, 5], aggregate_fn: 'sum' } }]);
    expect(spans.target.map((t) => t.token)).toEqual(['A', 'Ġb', 'c', 'Ġde']);
  });

  it('checks every id before doing any work, listing aggregators and functions', () => {
    let calls = 0;
    const counting = defineAggregator({
      name: 'counting',
      description: 'Counts calls.',
      aggregate: (sequence) => {
        calls++;
        return sequence;
      },
    });
    const aggregators = registerBuiltinAggregators(createRegistry<Aggregator>('aggregator')).register(counting);
    expect(() => aggregate(decoderSequence(), ['counting', 'subword'], { aggregators })).toThrow(UnknownIdError);
    expect(calls).toBe(0);
    expect(() => resolveAggregationPipeline(['subword'])).toThrow(/scores, spans, subwords, split, pair, slices, vnorm, absmax/);
    aggregate(decoderSequence(), ['counting', 'counting'], { aggregators });
    expect(calls).toBe(2);
    expect(() => resolveAggregationPipeline([{ id: 3 } as never])).toThrow(/id or \{ id, options \}/);
  });

  it('aggregates every sequence of an output', () => {
    const output = { sequence_attributions: [decoderSequence(), decoderSequence()], step_attributions: null, info: { attribution_method: 'saliency' } };
    const aggregated = aggregateOutput(output, ['subwords']);
    expect(aggregated.sequence_attributions.map((s) => s.target.length)).toEqual([3, 3]);
    expect(aggregated.info).toBe(output.info);
    expect(output.sequence_attributions[0].target.length).toBe(5);
  });

  it("gives Inseq's default per method family", () => {
    expect(defaultPipeline('gradient')).toEqual(['vnorm']);
    expect(defaultPipeline('attention')).toEqual(['mean']);
    expect(defaultPipeline('perturbation', 'occlusion')).toEqual([]);
    expect(defaultPipeline('perturbation', 'value_zeroing')).toEqual(['mean']);
    expect(rows(aggregate(gradientSequence(), defaultPipeline('gradient')).target_attributions)[0][0]).toBeCloseTo(5 / 17, 6);
  });

  it('parses pipelines as a CLI passes them', () => {
    expect(parseAggregationPipeline('subwords, vnorm')).toEqual(['subwords', 'vnorm']);
    expect(parseAggregationPipeline('subwords vnorm')).toEqual(['subwords', 'vnorm']);
    expect(parseAggregationPipeline('[{"id":"spans","options":{"target_spans":[0,2]}},"vnorm"]')).toEqual([
      { id: 'spans', options: { target_spans: [0, 2] } },
      'vnorm',
    ]);
    expect(() => parseAggregationPipeline('[oops')).toThrow(/not valid JSON/);
  });
});
