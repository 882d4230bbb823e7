// One scratch pair reinterprets float32 bits; module-level because it is never shared across an await.
const float32Scratch = new Float32Array(1);
const uint32Scratch = new Uint32Array(float32Scratch.buffer);

/** The largest finite float8 e4m3fn value (bits `0x7e`): 1.75 × 2^8. */
export const FLOAT8_E4M3_MAX = 448;

/** Every float8 e4m3fn bit pattern as a float32, built on first use (1 KiB). */
let decodeTable: Float32Array | undefined;

function e4m3Value(bits: number): number {
  const sign = bits & 0x80 ? -1 : 1;
  const exponent = (bits >>> 3) & 0xf;
  const mantissa = bits & 0x7;
  // e4m3fn ("finite") spends only S.1111.111 on NaN and has no infinities.
  if (exponent === 0xf && mantissa === 0x7) return Number.NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -9; // zero and subnormals
  return sign * (8 + mantissa) * 2 ** (exponent - 10);
}

function e4m3Bits(value: number, saturate: boolean): number {
  float32Scratch[0] = value;
  const bits = uint32Scratch[0];
  const sign = (bits >>> 24) & 0x80;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return mantissa !== 0 || !saturate ? sign | 0x7f : sign | 0x7e;
  const e4m3Exponent = exponent - 127 + 7;
  const overflow = sign | (saturate ? 0x7e : 0x7f);
  if (e4m3Exponent <= 0) {
    // Subnormal range (below 2^-6): count multiples of 2^-9, which is exact in float64, rounding
    // half to even; a count of 8 is exactly the smallest normal's encoding.
    const scaled = Math.abs(float32Scratch[0]) * 2 ** 9;
    let count = Math.floor(scaled);
    const remainder = scaled - count;
    if (remainder > 0.5 || (remainder === 0.5 && (count & 1) === 1)) count++;
    return sign | count;
  }
  if (e4m3Exponent > 0xf) return overflow;
  let result = (e4m3Exponent << 3) | (mantissa >>> 20);
  const remainder = mantissa & 0xfffff;
  // A carry into the exponent is correct; one that reaches 0x7f (NaN's pattern) is an overflow.
  if (remainder > 0x80000 || (remainder === 0x80000 && (result & 1) === 1)) result++;
  return result > 0x7e ? overflow : sign | result;
}

/**
 * Decodes float8 e4m3fn bit patterns (safetensors `F8_E4M3`, PyTorch `torch.float8_e4m3fn`: 1 sign,
 * 4 exponent bits with bias 7, 3 mantissa bits, no infinities, NaN only at `S.1111.111`) to
 * float32, exactly.
 *
 * @param bits - one 8-bit pattern per value.
 * @returns a new array, one value per pattern.
 */
export function float8E4m3BitsToFloat32(bits: Uint8Array): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(256);
    for (let pattern = 0; pattern < 256; pattern++) decodeTable[pattern] = e4m3Value(pattern);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = decodeTable[bits[i]];
  return out;
}

/** Options of {@link float32ToFloat8E4m3Bits}. */
export interface Float8EncodeOptions {
  /**
   * Clamp values beyond ±448 (±Infinity included) to ±448, as the OCP "saturating" conversion.
   * With `false` they become NaN, as PyTorch's `tensor.to(torch.float8_e4m3fn)` does.
   * @defaultValue `true`
   */
  readonly saturate?: boolean;
}

/**
 * Encodes values as float8 e4m3fn bit patterns, each rounded from its float32 value with
 * round-to-nearest-even: values below 2^-6 become subnormals (multiples of 2^-9) or ±0, NaN
 * becomes `0x7f` (sign kept), and values past 448 saturate or become NaN (see
 * {@link Float8EncodeOptions.saturate}).
 *
 * @param values - any numbers (float64 values are first rounded to float32).
 * @returns a new array, one pattern per value.
 */
export function float32ToFloat8E4m3Bits(values: ArrayLike<number>, options?: Float8EncodeOptions): Uint8Array {
  const saturate = options?.saturate ?? true;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = e4m3Bits(values[i], saturate);
  return out;
}
