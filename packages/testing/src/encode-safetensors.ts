import { InvalidInputError, encodeSafetensors as encodeWithCore } from '@inseq/core';
import { type SafetensorsDtype, safetensorsDtypeSize } from './safetensors-dtype';

/** One tensor to write: float32 values, converted to `dtype` on write. */
export interface SafetensorsTensorInput {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Row-major values, `shape` product long. */
  data: Float32Array;
}

/**
 * Serialises the generators' weights with core's `encodeSafetensors` (8-aligned space-padded
 * header, tensors laid out by dtype then name as the reference writer, F16/BF16 rounded to nearest
 * even), restricted to the floating dtypes the generators write.
 *
 * @param metadata - string pairs for `__metadata__`, merged over `{ format: 'pt' }` (the key
 *   transformers checks before loading).
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensorInput>,
  metadata: Record<string, string> = {},
): Uint8Array {
  for (const [name, { dtype }] of Object.entries(tensors)) {
    if (!(dtype in safetensorsDtypeSize)) {
      throw new InvalidInputError(`Tensor '${name}' has dtype '${dtype}'; allowed: F32, F16, BF16.`, { code: 'INVALID_ARGUMENT' });
    }
  }
  return encodeWithCore(tensors, { format: 'pt', ...metadata });
}
