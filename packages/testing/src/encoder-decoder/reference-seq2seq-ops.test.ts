import { describe, expect, it } from 'vitest';
import { activation, erf } from './reference-seq2seq-ops';

describe('reference ops', () => {
  it('erf matches tabulated values to float64 precision', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.9, 0.9999589021219005],
      [3.5, 0.9999992569016276],
      [6, 0.9999999999999999],
    ];
    for (const [x, value] of table) {
      expect(Math.abs(erf(x) - value)).toBeLessThan(1e-15);
      expect(erf(-x) + erf(x)).toBe(0);
    }
  });

  it("activations as transformers' ACT2FN names them", () => {
    expect(activation('gelu')(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(activation('gelu_new')(1)).toBeCloseTo(0.8411919906082768, 14);
    expect(activation('swish')(1)).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(activation('relu')(-2)).toBe(0);
    expect(() => activation('mish')).toThrow(/supported: gelu/);
  });
});
