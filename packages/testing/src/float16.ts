import { float16BitsToFloat32, float32ToFloat16Bits } from '@inseq/core';

/**
 * IEEE 754 binary16 bits of one value, rounded from its float32 value with round-to-nearest-even;
 * core's `float32ToFloat16Bits` for a single number.
 */
export function toFloat16Bits(value: number): number {
  return float32ToFloat16Bits([value])[0];
}

/** The value of IEEE 754 binary16 bits (exact); core's `float16BitsToFloat32` for a single pattern. */
export function fromFloat16Bits(bits: number): number {
  return float16BitsToFloat32(Uint16Array.of(bits))[0];
}
