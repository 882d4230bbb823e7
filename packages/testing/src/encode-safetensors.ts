import { InvalidInputError } from '@inseq/core';
import { type SafetensorsDtype, safetensorsDtypeSize } from './safetensors-dtype';
import { toBfloat16Bits } from './bfloat16';
import { toFloat16Bits } from './float16';

// The reference writer sorts by its dtype enum, descending: F32 > BF16 > F16.
const layoutRank: Readonly<Record<SafetensorsDtype, number>> = { F32: 2, BF16: 1, F16: 0 };

/** One tensor to write: float32 values, converted to `dtype` on write. */
export interface SafetensorsTensorInput {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Row-major values, `shape` product long. */
  data: Float32Array;
}

/**
 * Serialises tensors in the safetensors format
 * (https://github.com/huggingface/safetensors#format): an 8-byte little-endian u64 header
 * length N, N bytes of JSON header padded with spaces to a multiple of 8 (so the data starts
 * 8-aligned), then the raw little-endian data. Like the reference (Rust) writer, tensors are
 * laid out by dtype (F32, then BF16, then F16), then by name, so the bytes do not depend on the
 * order of `tensors`. F16/BF16 are rounded from float32 with round-to-nearest-even.
 *
 * @param metadata - string pairs for `__metadata__`, merged over `{ format: 'pt' }` (the key
 *   transformers checks before loading).
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensorInput>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => {
    const byDtype = (layoutRank[tensors[b].dtype] ?? 0) - (layoutRank[tensors[a].dtype] ?? 0);
    return byDtype !== 0 ? byDtype : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', ...metadata } };
  let offset = 0;
  for (const name of names) {
    const { dtype, shape, data } = tensors[name];
    if (name === '__metadata__') throw new InvalidInputError(`'__metadata__' is reserved and cannot name a tensor.`);
    if (!(dtype in safetensorsDtypeSize)) {
      throw new InvalidInputError(`Tensor '${name}' has dtype '${dtype}'; allowed: F32, F16, BF16.`, 'INVALID_ARGUMENT');
    }
    const size = shape.reduce((product, dim) => product * dim, 1);
    if (shape.some((dim) => !Number.isInteger(dim) || dim < 0) || size !== data.length) {
      throw new InvalidInputError(
        `Tensor '${name}' has shape [${shape.join(', ')}] but ${data.length} values; the shape's product must equal the length.`,
        'INVALID_ARGUMENT',
      );
    }
    const end = offset + size * safetensorsDtypeSize[dtype];
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, end] };
    offset = end;
  }
  const headerText = JSON.stringify(header);
  const headerLength = Math.ceil(new TextEncoder().encode(headerText).length / 8) * 8;
  const headerBytes = new TextEncoder().encode(headerText.padEnd(headerLength, ' '));

  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(headerBytes, 8);
  const dataStart = 8 + headerLength;
  for (const name of names) {
    const { dtype, data } = tensors[name];
    const [begin] = (header[name] as { data_offsets: [number, number] }).data_offsets;
    let position = dataStart + begin;
    for (let i = 0; i < data.length; i++) {
      if (dtype === 'F32') {
        view.setFloat32(position, data[i], true);
        position += 4;
      } else {
        view.setUint16(position, dtype === 'F16' ? toFloat16Bits(data[i]) : toBfloat16Bits(data[i]), true);
        position += 2;
      }
    }
  }
  return bytes;
}
