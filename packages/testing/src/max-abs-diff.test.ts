import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from './max-abs-diff';

describe('maxAbsDiff', () => {
  it('returns the largest absolute difference', () => {
    expect(maxAbsDiff([1, 2, 3], new Float32Array([1, 2.5, 1]))).toBe(2);
    expect(maxAbsDiff([], [])).toBe(0);
  });

  it('reports NaN instead of skipping it, and treats equal infinities as equal', () => {
    expect(maxAbsDiff([1, Number.NaN], [1, 2])).toBeNaN();
    expect(maxAbsDiff([Number.POSITIVE_INFINITY], [Number.POSITIVE_INFINITY])).toBe(0);
    expect(maxAbsDiff([Number.POSITIVE_INFINITY], [1])).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects arrays of different lengths', () => {
    expect(() => maxAbsDiff([1], [1, 2])).toThrow(RangeError);
  });
});
