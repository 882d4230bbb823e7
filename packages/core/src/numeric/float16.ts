// One scratch pair reinterprets float32 bits; module-level because it is never shared across an await.
const float32Scratch = new Float32Array(1);
const uint32Scratch = new Uint32Array(float32Scratch.buffer);

/**
 * Every binary16 bit pattern as a float32, built on first use (256 KiB): a table beats
 * per-element branching on subnormals, infinities and NaN, which half-precision weights and
 * outputs can contain.
 */
let decodeTable: Float32Array | undefined;

function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (0x400 + mantissa) * 2 ** (exponent - 25);
}

function halfBits(value: number): number {
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

/**
 * Decodes IEEE 754 binary16 bit patterns (ONNX `FLOAT16`, safetensors `F16`, ORT's `float16`
 * tensors, which hold `Uint16Array` bits) to float32, exactly: every half value, subnormals,
 * ±Infinity and NaN included, is a float32.
 *
 * @param bits - one 16-bit pattern per value.
 * @returns a new array, one value per pattern.
 */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(65536);
    for (let pattern = 0; pattern < 65536; pattern++) decodeTable[pattern] = halfValue(pattern);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = decodeTable[bits[i]];
  return out;
}

/**
 * Encodes values as IEEE 754 binary16 bit patterns, each rounded from its float32 value with
 * round-to-nearest-even (as PyTorch's `tensor.half()` and numpy's `astype(float16)`): overflow
 * gives ±Infinity, tiny values become subnormals or ±0, NaN stays a quiet NaN.
 *
 * @param values - any numbers (float64 values are first rounded to float32, as PyTorch does).
 * @returns a new array, one pattern per value.
 */
export function float32ToFloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = halfBits(values[i]);
  return out;
}
