import { decodeSafetensors as decodeWithCore } from '@inseq/core';
import type { SafetensorsDtype } from './safetensors-dtype';

/** A tensor read back from safetensors bytes, widened to float32. */
export interface DecodedSafetensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/**
 * Reads safetensors bytes written by {@link encodeSafetensors} with core's `decodeSafetensors`, as a
 * plain record, so tests check the writer from the reader's side.
 */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, DecodedSafetensor>;
  metadata: Record<string, string>;
} {
  const { tensors, metadata } = decodeWithCore(bytes);
  return {
    tensors: Object.fromEntries(
      [...tensors].map(([name, { dtype, shape, data }]) => [name, { dtype: dtype as SafetensorsDtype, shape, data }]),
    ),
    metadata,
  };
}
