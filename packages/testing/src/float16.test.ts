import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from './float16';

// The codec and its edge cases are tested in core (numeric/float16.test.ts); these are its scalar forms.
describe('float16 scalar helpers', () => {
  it('round-trip through core codec', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(65520)).toBe(0x7c00);
    expect(fromFloat16Bits(0x3555)).toBeCloseTo(1 / 3, 3);
    expect(fromFloat16Bits(toFloat16Bits(0.1))).toBe(Math.fround(0.0999755859375));
  });
});
