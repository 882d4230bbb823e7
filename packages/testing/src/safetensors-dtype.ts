import { fromBfloat16Bits, toBfloat16Bits } from './bfloat16';
import { fromFloat16Bits, toFloat16Bits } from './float16';

/** The floating dtypes the generators write, named as in the safetensors header. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per element of each {@link SafetensorsDtype}. */
export const safetensorsDtypeSize: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F32: 4,
  F16: 2,
  BF16: 2,
});

/**
 * The values as they read back after storage in `dtype` (float32 values rounded to float16 or
 * bfloat16 with round-to-nearest-even). Tests compare against these exactly.
 */
export function roundToDtype(data: Float32Array, dtype: SafetensorsDtype): Float32Array {
  if (dtype === 'F32') return Float32Array.from(data);
  const rounded = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    rounded[i] = dtype === 'F16' ? fromFloat16Bits(toFloat16Bits(data[i])) : fromBfloat16Bits(toBfloat16Bits(data[i]));
  }
  return rounded;
}
