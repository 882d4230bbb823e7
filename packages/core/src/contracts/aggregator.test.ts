import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error';
import { defineAggregator, parseAggregatorOptions } from './aggregator';

const both = defineAggregator({
  name: 'both',
  description: 'Two flags that exclude each other.',
  options: {
    normalize: { type: 'boolean', description: 'Normalise.' },
    rescale: { type: 'boolean', default: false, description: 'Rescale.' },
  },
  checkOptions(options) {
    if (options.normalize === true && options.rescale) throw new InvalidInputError('pick one', { code: 'INVALID_ARGUMENT' });
  },
  aggregate: (sequence) => sequence,
});

describe('parseAggregatorOptions', () => {
  it('parses against the spec (defaults filled, unknown keys refused with the closest), then runs checkOptions', () => {
    expect(parseAggregatorOptions(both, undefined)).toEqual({ rescale: false });
    expect(parseAggregatorOptions(both, { normalize: true })).toEqual({ normalize: true, rescale: false });
    expect(() => parseAggregatorOptions(both, { Rescale: true })).toThrow("Aggregator 'both' has no option 'Rescale'. Did you mean 'rescale'?");
    expect(() => parseAggregatorOptions(both, { normalize: true, rescale: true })).toThrow('pick one');
    expect(() => parseAggregatorOptions(defineAggregator({ name: 'none', description: '', aggregate: (s) => s }), { x: 1 })).toThrow(
      /Its options are: \(none\)/,
    );
  });
});
