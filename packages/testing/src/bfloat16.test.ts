import { describe, expect, it } from 'vitest';
import { fromBfloat16Bits, toBfloat16Bits } from './bfloat16';

describe('bfloat16 conversion', () => {
  it('round-trips every non-NaN bfloat16 bit pattern', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = fromBfloat16Bits(bits);
      if (Number.isNaN(value)) continue;
      expect(toBfloat16Bits(value)).toBe(bits);
    }
  });

  it('rounds midpoints to even and other values to the nearest', () => {
    for (let bits = 0; bits < 0x7f7f; bits += 7) {
      const low = fromBfloat16Bits(bits);
      const high = fromBfloat16Bits(bits + 1);
      expect(toBfloat16Bits((low + high) / 2)).toBe(bits % 2 === 0 ? bits : bits + 1);
      expect(toBfloat16Bits(low + (high - low) * 0.75)).toBe(bits + 1);
    }
  });

  it('handles known values, overflow and NaN', () => {
    expect(toBfloat16Bits(1)).toBe(0x3f80);
    expect(toBfloat16Bits(-2)).toBe(0xc000);
    expect(toBfloat16Bits(3.4e38)).toBe(0x7f80); // above the largest bfloat16: Infinity
    expect(fromBfloat16Bits(toBfloat16Bits(Number.NaN))).toBeNaN();
    expect(fromBfloat16Bits(toBfloat16Bits(0.1))).toBe(0.10009765625);
  });
});
