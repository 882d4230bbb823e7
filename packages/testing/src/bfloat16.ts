const float32Scratch = new Float32Array(1);
const uint32Scratch = new Uint32Array(float32Scratch.buffer);

/**
 * bfloat16 bits (the upper half of a float32) of a value, rounded from its float32 value with
 * round-to-nearest-even as PyTorch's `tensor.bfloat16()` does; NaN stays a quiet NaN.
 */
export function toBfloat16Bits(value: number): number {
  float32Scratch[0] = value;
  const bits = uint32Scratch[0];
  // Rounding could carry a NaN's payload into the sign or turn it into Infinity.
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return (bits >>> 16) | 0x40;
  // The sum stays below 2^32 for every non-NaN input, so >>> 16 cannot wrap.
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

/** The value of bfloat16 bits (exact). */
export function fromBfloat16Bits(bits: number): number {
  uint32Scratch[0] = (bits & 0xffff) << 16;
  return float32Scratch[0];
}
