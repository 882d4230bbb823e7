import { float16BitsToFloat32 } from '@inseq/core';

/**
 * Converts little-endian IEEE 754 half-precision values (`F16` in safetensors) to float32,
 * exactly (core's {@link float16BitsToFloat32}); the bytes are assembled by hand because safetensors
 * data may start at any byte offset, where a `Uint16Array` view cannot.
 *
 * @param bytes - `2 * n` bytes, any byte alignment.
 * @returns `n` float32 values.
 */
export function float16ToFloat32(bytes: Uint8Array): Float32Array {
  const count = bytes.length >> 1;
  const bits = new Uint16Array(count);
  for (let i = 0; i < count; i++) bits[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
  return float16BitsToFloat32(bits);
}
