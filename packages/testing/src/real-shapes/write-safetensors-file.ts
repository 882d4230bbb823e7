import { open, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from '../named-weight';

/** Bytes of one float32 tensor, little-endian: a view of the array on little-endian hosts (no copy). */
export function float32LittleEndianBytes(data: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return bytes;
}

/**
 * Writes float32 tensors to `path` as a safetensors file (8-byte little-endian header length, JSON
 * header padded with spaces to a multiple of 8, then the data), one tensor at a time, so that a
 * 2 GB checkpoint never exists as one buffer in memory (unlike {@link encodeSafetensors}, which
 * returns the whole file). Tensors are laid out in the record's order; readers go by the header's
 * offsets, so the file reads back the same as one from `encodeSafetensors`. Written to
 * `<path>.partial` and renamed at the end, so a failure leaves no half-written file.
 *
 * @param metadata - string pairs for `__metadata__`, merged over `{ format: 'pt' }` (the key transformers checks).
 */
export async function writeSafetensorsFile(
  path: string,
  weights: Readonly<Record<string, NamedWeight>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', ...metadata } };
  let offset = 0;
  for (const [name, { shape, data }] of Object.entries(weights)) {
    const size = shape.reduce((product, dim) => product * dim, 1);
    if (size !== data.length) {
      throw new InvalidInputError(`Tensor '${name}' has shape [${shape.join(', ')}] but ${data.length} values.`, { code: 'INVALID_ARGUMENT' });
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.length * 4] };
    offset += data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  const partial = `${path}.partial`;
  const file = await open(partial, 'w');
  try {
    await file.write(length);
    await file.write(headerBytes);
    for (const { data } of Object.values(weights)) {
      const bytes = float32LittleEndianBytes(data);
      // One write call is capped near 2 GiB; write large tensors in slices.
      for (let start = 0; start < bytes.length; start += 1 << 30) await file.write(bytes.subarray(start, Math.min(bytes.length, start + (1 << 30))));
    }
  } catch (error) {
    await file.close();
    await rm(partial, { force: true });
    throw error;
  }
  await file.close();
  await rename(partial, path);
}
