import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16';

const allPatterns = Uint16Array.from({ length: 0x10000 }, (_, bits) => bits);

describe('float16 codec', () => {
  it('round-trips every non-NaN float16 bit pattern', () => {
    const values = float16BitsToFloat32(allPatterns);
    const back = float32ToFloat16Bits(values);
    for (let bits = 0; bits < 0x10000; bits++) {
      if (Number.isNaN(values[bits])) continue;
      expect(back[bits]).toBe(bits);
    }
  });

  it('rounds midpoints between neighbours to the even one, and everything else to the nearest', () => {
    // Midpoints need 12 significant bits, so they are exact float32 values.
    const values = float16BitsToFloat32(allPatterns);
    const count = 0x7bff;
    const middles = Float64Array.from({ length: count }, (_, bits) => (values[bits] + values[bits + 1]) / 2);
    const negated = middles.map((middle) => -middle);
    const nearLow = Float64Array.from({ length: count }, (_, bits) => values[bits] + (values[bits + 1] - values[bits]) * 0.25);
    const [up, down, near] = [middles, negated, nearLow].map((input) => float32ToFloat16Bits(input));
    for (let bits = 0; bits < count; bits++) {
      const even = bits % 2 === 0 ? bits : bits + 1;
      expect(up[bits]).toBe(even);
      expect(down[bits]).toBe(even | 0x8000);
      expect(near[bits]).toBe(bits);
    }
  });

  it('handles known values, subnormals, overflow, underflow, infinities and NaN', () => {
    const inputs = [1, -2, 65504, 65520, 1e9, Number.NEGATIVE_INFINITY, 2 ** -24, 2 ** -25, 1.5 * 2 ** -25, -1e-12, 2 ** -14];
    expect(Array.from(float32ToFloat16Bits(inputs))).toEqual([
      0x3c00, 0xc000, 0x7bff,
      0x7c00, // halfway to 2^16 rounds to even: Infinity
      0x7c00, 0xfc00, 0x0001, 0x0000, 0x0001, 0x8000, 0x0400,
    ]);
    const decoded = float16BitsToFloat32(Uint16Array.from([0x3555, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00, 0x8000]));
    expect(decoded[0]).toBeCloseTo(1 / 3, 3);
    expect(decoded[1]).toBe(2 ** -24);
    expect(decoded[2]).toBe(1023 * 2 ** -24);
    expect(decoded[3]).toBe(Number.POSITIVE_INFINITY);
    expect(decoded[4]).toBe(Number.NEGATIVE_INFINITY);
    expect(decoded[5]).toBeNaN();
    expect(Object.is(decoded[6], -0)).toBe(true);
    expect(float16BitsToFloat32(float32ToFloat16Bits([Number.NaN]))[0]).toBeNaN();
  });
});
