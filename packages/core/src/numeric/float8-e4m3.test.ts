import { describe, expect, it } from 'vitest';
import { FLOAT8_E4M3_MAX, float32ToFloat8E4m3Bits, float8E4m3BitsToFloat32 } from './float8-e4m3';

const allPatterns = Uint8Array.from({ length: 256 }, (_, bits) => bits);

describe('float8 e4m3fn codec', () => {
  it('decodes known patterns: normals, subnormals, the maximum, zeros and NaN', () => {
    const decode = (bits: number) => float8E4m3BitsToFloat32(Uint8Array.of(bits))[0];
    expect(decode(0x38)).toBe(1); // exponent 7 = bias
    expect(decode(0x40)).toBe(2);
    expect(decode(0x3c)).toBe(1.5);
    expect(decode(0xb8)).toBe(-1);
    expect(decode(0x7e)).toBe(FLOAT8_E4M3_MAX);
    expect(decode(0xfe)).toBe(-448);
    expect(decode(0x08)).toBe(2 ** -6); // smallest normal
    expect(decode(0x01)).toBe(2 ** -9); // smallest subnormal
    expect(decode(0x07)).toBe(7 * 2 ** -9);
    expect(Object.is(decode(0x00), 0)).toBe(true);
    expect(Object.is(decode(0x80), -0)).toBe(true);
    expect(decode(0x7f)).toBeNaN();
    expect(decode(0xff)).toBeNaN();
    // 0x78 (exponent 15, mantissa 0) is a finite value in e4m3fn, not Infinity.
    expect(decode(0x78)).toBe(256);
  });

  it('round-trips every non-NaN pattern', () => {
    const values = float8E4m3BitsToFloat32(allPatterns);
    const back = float32ToFloat8E4m3Bits(values);
    for (let bits = 0; bits < 256; bits++) {
      if (bits === 0x7f || bits === 0xff) continue;
      expect(back[bits]).toBe(bits);
    }
  });

  it('rounds midpoints to the even neighbour and other values to the nearest', () => {
    const values = float8E4m3BitsToFloat32(allPatterns);
    for (let bits = 0; bits < 0x7e; bits++) {
      const low = values[bits];
      const high = values[bits + 1];
      const even = bits % 2 === 0 ? bits : bits + 1;
      const [middle, negativeMiddle, nearLow, nearHigh] = float32ToFloat8E4m3Bits([
        (low + high) / 2,
        -(low + high) / 2,
        low + (high - low) * 0.3,
        low + (high - low) * 0.7,
      ]);
      expect(middle).toBe(even);
      expect(negativeMiddle).toBe(even | 0x80);
      expect(nearLow).toBe(bits);
      expect(nearHigh).toBe(bits + 1);
    }
  });

  it('saturates past 448 by default, or gives NaN as PyTorch does', () => {
    const inputs = [449, 463.9, 464, 465, 1e6, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1e9];
    expect(Array.from(float32ToFloat8E4m3Bits(inputs))).toEqual([0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0xfe, 0xfe]);
    // PyTorch: below 464 rounds down to 448; from the midpoint 464 (ties to even: 448) upward NaN.
    expect(Array.from(float32ToFloat8E4m3Bits(inputs, { saturate: false }))).toEqual([0x7e, 0x7e, 0x7e, 0x7f, 0x7f, 0x7f, 0xff, 0xff]);
  });

  it('keeps NaN (with its sign) and flushes values under half the smallest subnormal to signed zero', () => {
    expect(Array.from(float32ToFloat8E4m3Bits([Number.NaN, -Number.NaN]))).toContain(0x7f);
    expect(Array.from(float32ToFloat8E4m3Bits([2 ** -11, -(2 ** -11), 2 ** -10, 1.5 * 2 ** -10, 3 * 2 ** -10]))).toEqual([
      0x00, 0x80, 0x00, 0x01, 0x02,
    ]);
    expect(Array.from(float32ToFloat8E4m3Bits([0, -0, 1e-30]))).toEqual([0x00, 0x80, 0x00]);
    // 7.5 × 2^-9 is the tie between the largest subnormal and the smallest normal: even wins.
    expect(float32ToFloat8E4m3Bits([7.5 * 2 ** -9])[0]).toBe(0x08);
  });
});
