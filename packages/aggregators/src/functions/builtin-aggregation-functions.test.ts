import { UnknownIdError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { absmax } from './absmax';
import { max } from './max';
import { mean } from './mean';
import { min } from './min';
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
    // sqrt(0.25 + 9 + 4 + 2.25) = sqrt(15.5)
    expect(vnorm.reduce(values)).toBeCloseTo(Math.sqrt(15.5), 12);
    expect(vnorm.reduce(Float32Array.from([3, -4]))).toBe(5);
  });

  it('absmax keeps the sign and the first of equal magnitudes, as torch argmax', () => {
    expect(absmax.reduce(Float32Array.from([0.3, -0.7, 0.1]))).toBeCloseTo(-0.7, 6);
    expect(absmax.reduce(Float32Array.from([2, -2]))).toBe(2);
    expect(absmax.reduce(Float32Array.from([-2, 2]))).toBe(-2);
  });

  it('propagate NaN', () => {
    const withNaN = Float32Array.from([1, Number.NaN, 2]);
    for (const fn of builtinAggregationFunctions) expect(fn.reduce(withNaN), fn.name).toBeNaN();
  });

  it('are registered under Inseq ids', () => {
    const registry = createAggregationFunctionRegistry();
    expect(registry.list()).toEqual(['vnorm', 'absmax', 'sum', 'mean', 'max', 'min']);
    expect(() => registry.get('l2')).toThrow(UnknownIdError);
    expect(() => registry.get('l2')).toThrow(/vnorm, absmax, sum, mean, max, min/);
  });
});
