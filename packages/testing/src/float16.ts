// One scratch buffer pair reinterprets float32 bits; module-level because it is never shared
// across an await.
const float32Scratch = new Float32Array(1);
const uint32Scratch = new Uint32Array(float32Scratch.buffer);

/**
 * IEEE 754 binary16 bits of a value, rounded from its float32 value with round-to-nearest-even
 * (as PyTorch's `tensor.half()` does): overflow gives ±Infinity, tiny values become subnormals or
 * ±0, NaN stays a quiet NaN.
 */
export function toFloat16Bits(value: number): number {
  float32Scratch[0] = value;
  const bits = uint32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200 | (mantissa >>> 13));
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Below 2^-25 everything is under half the smallest subnormal and rounds to zero.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let result = full >>> shift;
    const remainder = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (result & 1) === 1)) result++;
    // A carry out of the subnormal range lands exactly on the smallest normal's encoding.
    return sign | result;
  }
  let result = sign | (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry into the exponent is correct, including the one that rounds up to Infinity.
  if (remainder > 0x1000 || (remainder === 0x1000 && (result & 1) === 1)) result++;
  return result;
}

/** The value of IEEE 754 binary16 bits (exact: every float16 is a float32). */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (0x400 + mantissa) * 2 ** (exponent - 25);
}
