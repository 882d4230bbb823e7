import { describe, expect, it } from 'vitest';
import { centralDifference } from './central-difference';

describe('centralDifference', () => {
  it('estimates partial derivatives of a smooth function', () => {
    const f = (x: Float64Array) => Math.sin(x[0]) * x[1] ** 2;
    const x = Float64Array.from([0.3, -1.7]);
    expect(centralDifference(f, x, 0)).toBeCloseTo(Math.cos(0.3) * 1.7 ** 2, 7);
    expect(centralDifference(f, x, 1, 1e-3)).toBeCloseTo(Math.sin(0.3) * 2 * -1.7, 7);
    expect(Array.from(x)).toEqual([0.3, -1.7]);
  });

  it('rejects an index outside the input and a non-positive epsilon', () => {
    const f = (x: Float64Array) => x[0];
    expect(() => centralDifference(f, new Float64Array(2), 2)).toThrow(RangeError);
    expect(() => centralDifference(f, new Float64Array(2), 0, 0)).toThrow(RangeError);
  });
});
