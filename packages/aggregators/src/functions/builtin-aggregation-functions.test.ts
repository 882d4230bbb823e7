import { InvalidInputError, UnknownIdError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { aggregationFunctionOptions } from '../aggregation-function';
import { absmax } from './absmax';
import { max } from './max';
import { mean } from './mean';
import { min } from './min';
import { prod } from './prod';
import { builtinAggregationFunctions, createAggregationFunctionRegistry } from './register-builtin-aggregation-functions';
import { sum } from './sum';
import { vnorm } from './vnorm';

const values = Float32Array.from([0.5, -3, 2, 1.5]);

describe('built-in aggregation functions', () => {
  it('reduce a vector to the closed-form value', () => {
    expect(sum.reduce(values)).toBe(1);
    expect(mean.reduce(values)).toBe(0.25);
    expect(max.reduce(values)).toBe(2);
    expect(min.reduce(values)).toBe(-3);
    expect(absmax.reduce(values)).toBe(-3);
    // 0.5 · -3 · 2 · 1.5
    expect(prod.reduce(values)).toBe(-4.5);
    // sqrt(0.25 + 9 + 4 + 2.25) = sqrt(15.5)
    expect(vnorm.reduce(values)).toBeCloseTo(Math.sqrt(15.5), 12);
    expect(vnorm.reduce(Float32Array.from([3, -4]))).toBe(5);
  });

  it('vnorm takes the order as its option ord: 1, 2, Infinity and any p > 0', () => {
    expect(vnorm.reduce(values, { ord: 1 })).toBe(7);
    expect(vnorm.reduce(values, { ord: 2 })).toBeCloseTo(Math.sqrt(15.5), 12);
    expect(vnorm.reduce(values, { ord: Number.POSITIVE_INFINITY })).toBe(3);
    // (0.125 + 27 + 8 + 3.375)^(1/3) = 38.5^(1/3)
    expect(vnorm.reduce(values, { ord: 3 })).toBeCloseTo(38.5 ** (1 / 3), 10);
    expect(vnorm.reduce(Float32Array.from([1, 1, 1, 1]), { ord: 0.5 })).toBeCloseTo(16, 10);
    expect(vnorm.reduce(Float32Array.from([1, Number.NaN]), { ord: Number.POSITIVE_INFINITY })).toBeNaN();
  });

  it("parses a function's options once against its spec: defaults, 'inf', refusals, keys it does not declare", () => {
    expect(aggregationFunctionOptions(vnorm)).toEqual({ ord: 2 });
    expect(aggregationFunctionOptions(vnorm, { ord: 'inf' })).toEqual({ ord: Number.POSITIVE_INFINITY });
    expect(aggregationFunctionOptions(sum, { ord: 1 })).toEqual({});
    expect(() => aggregationFunctionOptions(vnorm, { ord: 0 })).toThrow(InvalidInputError);
    expect(() => aggregationFunctionOptions(vnorm, { ord: 'l2' })).toThrow(/Aggregation function 'vnorm' option 'ord' must be a number > 0/);
  });

  it('absmax keeps the sign and the first of equal magnitudes, as torch argmax', () => {
    expect(absmax.reduce(Float32Array.from([0.3, -0.7, 0.1]))).toBeCloseTo(-0.7, 6);
    expect(absmax.reduce(Float32Array.from([2, -2]))).toBe(2);
    expect(absmax.reduce(Float32Array.from([-2, 2]))).toBe(-2);
  });

  it('absmax skips NaN unless every value is NaN', () => {
    expect(absmax.reduce(Float32Array.from([Number.NaN, -2, 1]))).toBe(-2);
    expect(absmax.reduce(Float32Array.from([1, Number.NaN]))).toBe(1);
    expect(absmax.reduce(Float32Array.from([Number.NaN, Number.NaN]))).toBeNaN();
  });

  it('the others propagate NaN', () => {
    const withNaN = Float32Array.from([1, Number.NaN, 2]);
    for (const fn of builtinAggregationFunctions.filter((f) => f !== absmax)) expect(fn.reduce(withNaN), fn.name).toBeNaN();
  });

  it('are registered under Inseq ids', () => {
    const registry = createAggregationFunctionRegistry();
    expect(registry.list()).toEqual(['vnorm', 'absmax', 'sum', 'mean', 'max', 'min', 'prod']);
    expect(() => registry.get('l2')).toThrow(UnknownIdError);
    expect(() => registry.get('l2')).toThrow(/vnorm, absmax, sum, mean, max, min, prod/);
  });
});
