import { type Aggregator, createRegistry, defineAggregator, InvalidInputError, UnknownIdError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import {
  type AggregationStep,
  aggregate,
  aggregateOutput,
  defaultPipeline,
  parseAggregationPipeline,
  resolveAggregationPipeline,
} from './aggregation-pipeline';
import { defineAggregationFunction } from './aggregation-function';
import { defaultAggregate } from './default-aggregate';
import { createAggregationFunctionRegistry } from './functions/register-builtin-aggregation-functions';
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

  it('parses every step\'s options before any work: a camelCase or misspelt key fails with the closest snake_case one', () => {
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
    const run = (step: AggregationStep) => () => aggregate(decoderSequence(), ['counting', step], { aggregators });
    expect(run({ id: 'scores', options: { selectIdx: 0 } })).toThrow("Aggregator 'scores' has no option 'selectIdx'. Did you mean 'select_idx'?");
    expect(run({ id: 'vnorm', options: { vnormOrd: 1 } })).toThrow(/Did you mean 'vnorm_ord'\?/);
    expect(run({ id: 'subwords', options: { aggregateSource: false } })).toThrow(/Did you mean 'aggregate_source'\?/);
    expect(run({ id: 'spans', options: { target_span: [0, 2] } })).toThrow(/Did you mean 'target_spans'\?/);
    expect(run({ id: 'split', options: { splitPattern: '\\.' } })).toThrow(/Did you mean 'split_pattern'\?/);
    expect(run({ id: 'slices', options: { sourceSpans: [0, 1] } })).toThrow(InvalidInputError);
    expect(run({ id: 'pair', options: {} })).toThrow(/needs option 'paired_attr'/);
    expect(run({ id: 'scores', options: { normalize: true, rescale: true } })).toThrow(/normalize and rescale cannot both be true/);
    expect(calls).toBe(0);
  });

  it('refuses a value of the wrong type naming what is allowed', () => {
    expect(() => resolveAggregationPipeline([{ id: 'scores', options: { aggregate_fn: 'l2' } }])).toThrow(
      "Aggregator 'scores' option 'aggregate_fn' must be one of 'vnorm', 'absmax', 'sum', 'mean', 'max', 'min', 'prod', got \"l2\".",
    );
    expect(() => resolveAggregationPipeline([{ id: 'subwords', options: { scheme: 'bpe' } }])).toThrow(
      /'scheme' must be one of 'auto', 'byte_level', 'sentencepiece', 'wordpiece'/,
    );
    expect(() => resolveAggregationPipeline([{ id: 'split', options: { split_pattern: '[.', split_mode: 'end' } }])).toThrow(/valid regular expression/);
    expect(() => resolveAggregationPipeline([{ id: 'split', options: { split_pattern: '\\.', split_mode: 'middle' } }])).toThrow(
      /'split_mode' must be one of 'single', 'start', 'end'/,
    );
    expect(() => resolveAggregationPipeline([{ id: 'scores', options: { normalize: 'yes' } }])).toThrow(/'normalize' must be true or false/);
    expect(() => resolveAggregationPipeline([{ id: 'vnorm', options: { vnorm_ord: 0 } }])).toThrow(/'vnorm_ord' must be a number > 0/);
    expect(() => resolveAggregationPipeline([{ id: 'scores', options: { select_idx: 1.5 } }])).toThrow(/'select_idx' must be an integer, a non-empty list/);
    expect(() => resolveAggregationPipeline([{ id: 'spans', options: { target_spans: [[0, 'a']] } }])).toThrow(/'target_spans' must be one \[start, end\] pair/);
    expect(() => resolveAggregationPipeline([{ id: 'spans', options: { step_scores_fn: { probability: 'median' } } }])).toThrow(/'step_scores_fn' must be an object/);
    expect(() => resolveAggregationPipeline([{ id: 'slices', options: { start: 0.5 } }])).toThrow(/'start' must be an integer/);
  });

  it('fills defaults and normalises structured values when parsing', () => {
    const [scores, sum, subwords, spans, split] = resolveAggregationPipeline([
      'scores',
      { id: 'sum', options: { select_idx: [0, 2] } },
      'subwords',
      { id: 'spans', options: { target_spans: [1, 3], vnorm_ord: 'inf' } },
      { id: 'split', options: { split_pattern: '[.!?]' } },
    ]);
    expect(scores.options).toEqual({ aggregate_fn: 'vnorm', rescale: false });
    expect(sum.options).toEqual({ aggregate_fn: 'sum', select_idx: [0, 2], rescale: false });
    expect(subwords.options).toEqual({ scheme: 'auto', is_suffix_symbol: false, aggregate_source: true, aggregate_target: true, aggregate_fn: 'absmax' });
    expect(spans.options).toEqual({ target_spans: [[1, 3]], aggregate_fn: 'absmax', vnorm_ord: Number.POSITIVE_INFINITY });
    expect(split.options).toEqual({ split_pattern: '[.!?]', split_mode: 'single', aggregate_source: true, aggregate_target: true, aggregate_fn: 'absmax' });
    expect(resolveAggregationPipeline([{ id: 'subwords', options: { special_chars: '@@' } }])[0].options.special_chars).toEqual(['@@']);
  });

  it('takes aggregation functions from the pipeline options, for bare ids and aggregate_fn alike', () => {
    const functions = createAggregationFunctionRegistry().register(
      defineAggregationFunction({ name: 'first', description: 'First value.', reduce: (values) => values[0] }),
    );
    const viaId = aggregate(gradientSequence(), [{ id: 'first', options: { normalize: false } }], { functions });
    const viaOption = aggregate(gradientSequence(), [{ id: 'scores', options: { aggregate_fn: 'first', normalize: false } }], {
      functions,
      aggregators: registerBuiltinAggregators(createRegistry<Aggregator>('aggregator')),
    });
    expect(rows(viaId.target_attributions)).toEqual(rows(viaOption.target_attributions));
    expect(() => resolveAggregationPipeline([{ id: 'scores', options: { aggregate_fn: 'first' } }])).toThrow(/must be one of 'vnorm'/);
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
