import { createRegistry, type Aggregator } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { applyAggregator } from './aggregation-pipeline';
import { defaultAggregate } from './default-aggregate';
import { defaultAggregationFunction } from './default-aggregation-function';
import { expectRowsClose, gradientSequence, toRows } from './gradient-sequence.fixture';
import { hasTrailingAxes } from './has-trailing-axes';
import { registerBuiltinAggregators } from './register-builtin-aggregators';
import { scoresAggregator } from './scores-aggregator';

const expected = [
  [5 / 17, 1 / 11, 3 / 20],
  [5 / 17, 3 / 11, 1 / 20],
  [7 / 17, 2 / 11, 5 / 20],
  [Number.NaN, 5 / 11, 5 / 20],
  [Number.NaN, Number.NaN, 6 / 20],
  [Number.NaN, Number.NaN, Number.NaN],
];

describe('defaultAggregate', () => {
  it('is vnorm over the hidden size, then per-step normalisation', () => {
    const aggregated = defaultAggregate(gradientSequence());
    expect(hasTrailingAxes(gradientSequence())).toBe(true);
    expect(hasTrailingAxes(aggregated)).toBe(false);
    expectRowsClose(toRows(aggregated.target_attributions!), expected);
  });

  it('averages [len, nSteps, layers, heads] attention with mean, the default Inseq picks for attention and value zeroing', () => {
    // Two positions, one step, 2 layers × 2 heads; each head's weights sum to 1 over positions.
    const attention = {
      ...gradientSequence(),
      target_attributions: { data: Float32Array.from([0.2, 0.6, 0.4, 1, 0.8, 0.4, 0.6, 0]), shape: [2, 1, 2, 2] },
    };
    expect(defaultAggregationFunction('attention')).toBe('mean');
    expect(defaultAggregationFunction('value_zeroing')).toBe('mean');
    expect(defaultAggregationFunction('saliency')).toBe('vnorm');
    expect(defaultAggregationFunction(undefined)).toBe('vnorm');
    const shown = defaultAggregate(attention, defaultAggregationFunction('attention')).target_attributions!;
    expect(shown.shape).toEqual([2, 1]);
    expect(Array.from(shown.data)).toEqual([expect.closeTo(0.55, 6), expect.closeTo(0.45, 6)]);
    // vnorm of weights would not sum to 1 over positions.
    const vnorm = defaultAggregate({ ...attention }, 'vnorm').target_attributions!;
    expect(vnorm.data[0]).not.toBeCloseTo(0.55, 2);
  });

  it('only normalises attributions that are already [len, nSteps]', () => {
    const sequence = { ...gradientSequence(), target_attributions: { data: Float32Array.from([2, -1, 6, 3]), shape: [2, 2] } };
    expect(Array.from(defaultAggregate(sequence).target_attributions!.data)).toEqual([0.25, -0.25, 0.75, 0.75]);
  });
});

describe('scores aggregator', () => {
  it('with default options equals defaultAggregate', () => {
    expectRowsClose(toRows(applyAggregator(scoresAggregator, gradientSequence()).target_attributions!), expected);
  });

  it('takes the aggregation function and normalisation as options', () => {
    const summed = applyAggregator(scoresAggregator, gradientSequence(), { aggregate_fn: 'sum', normalize: false });
    expect(toRows(summed.target_attributions!)[0]).toEqual([9, 1, 5]);
  });

  it('is registered under its Inseq id', () => {
    const registry = registerBuiltinAggregators(createRegistry<Aggregator>('aggregator'));
    expect(registry.list()).toEqual(['scores', 'spans', 'subwords', 'split', 'pair', 'slices']);
    expect(registry.get('scores')).toBe(scoresAggregator);
  });
});
