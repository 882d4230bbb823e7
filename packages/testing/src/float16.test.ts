import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from './float16';

describe('float16 conversion', () => {
  it('round-trips every non-NaN float16 bit pattern', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = fromFloat16Bits(bits);
      if (Number.isNaN(value)) continue;
      expect(toFloat16Bits(value)).toBe(bits);
    }
  });

  it('rounds midpoints between neighbours to the even one, and everything else to the nearest', () => {
    // Midpoints need 12 significant bits, so they are exact float32 values.
    for (let bits = 0; bits < 0x7bff; bits++) {
      const low = fromFloat16Bits(bits);
      const high = fromFloat16Bits(bits + 1);
      const middle = (low + high) / 2;
      expect(toFloat16Bits(middle)).toBe(bits % 2 === 0 ? bits : bits + 1);
      expect(toFloat16Bits(-middle)).toBe((bits % 2 === 0 ? bits : bits + 1) | 0x8000);
      const nearLow = low + (high - low) * 0.25;
      expect(toFloat16Bits(nearLow)).toBe(bits);
    }
  });

  it('handles known values, overflow, underflow and NaN', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // halfway to 2^16 rounds to even: Infinity
    expect(toFloat16Bits(1e9)).toBe(0x7c00);
    expect(toFloat16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000);
    expect(toFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(toFloat16Bits(-1e-12)).toBe(0x8000);
    expect(fromFloat16Bits(toFloat16Bits(Number.NaN))).toBeNaN();
    expect(fromFloat16Bits(0x3555)).toBeCloseTo(1 / 3, 3);
  });
});
