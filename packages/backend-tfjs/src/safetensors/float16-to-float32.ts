/**
 * Lookup table of every IEEE 754 half-precision bit pattern as a float32, built on first use
 * (256 KiB). A table beats per-element branching on subnormals, infinities and NaN, which F16
 * checkpoints can contain.
 */
let table: Float32Array | undefined;

function halfBitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Converts little-endian IEEE 754 half-precision values (`F16` in safetensors) to float32,
 * exactly: every half value, subnormals, ±Infinity and NaN included, is representable in float32.
 *
 * @param bytes - `2 * n` bytes, any byte alignment.
 * @returns `n` float32 values.
 */
export function float16ToFloat32(bytes: Uint8Array): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) table[bits] = halfBitsToNumber(bits);
  }
  const count = bytes.length >> 1;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  return out;
}
