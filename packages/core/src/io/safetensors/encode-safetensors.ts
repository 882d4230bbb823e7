import { InvalidInputError } from '../../errors/invalid-input-error';
import { float32ToFloat16Bits } from '../../numeric/float16';
import { float32ToFloat8E4m3Bits } from '../../numeric/float8-e4m3';
import { type SafetensorsDtype, isSafetensorsDtype, safetensorsDtypeSizes } from './safetensors-dtype';

/** One tensor to write: numbers converted to `dtype` on write. */
export interface SafetensorsTensorInput {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Row-major values, `shape` product long. */
  readonly data: ArrayLike<number>;
}

// The reference (Rust) writer lays tensors out by its dtype enum, descending, then by name.
const layoutRank: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  BOOL: 0,
  U8: 1,
  I8: 2,
  F8_E4M3: 4,
  I16: 5,
  U16: 6,
  F16: 7,
  BF16: 8,
  I32: 9,
  U32: 10,
  F32: 11,
  F64: 12,
  I64: 13,
  U64: 14,
});

const float32Scratch = new Float32Array(1);
const uint32Scratch = new Uint32Array(float32Scratch.buffer);

/** bfloat16 bits rounded to nearest even from the float32 value, as PyTorch's `tensor.bfloat16()`. */
function bfloat16Bits(value: number): number {
  float32Scratch[0] = value;
  const bits = uint32Scratch[0];
  // Rounding could carry a NaN's payload into the sign or turn it into Infinity.
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return (bits >>> 16) | 0x40;
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

/**
 * Serialises tensors in the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON header padded with spaces to a multiple of 8 (so
 * the data starts 8-aligned), then the raw little-endian data. Like the reference writer, tensors
 * are laid out by dtype (widest first), then by name, so the bytes do not depend on the order of
 * `tensors`. Floats are rounded from float32 to nearest even (`F8_E4M3` saturates at ±448);
 * integer dtypes take each value truncated toward zero.
 *
 * @param metadata - string pairs written as `__metadata__`; omitted when absent or empty.
 * @throws InvalidInputError (`INVALID_ARGUMENT`) for a reserved name, an unknown dtype, a shape
 *   that does not match the data, or a non-finite value for an integer dtype.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, SafetensorsTensorInput>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  for (const [name, { dtype, shape, data }] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new InvalidInputError(`'__metadata__' is reserved and cannot name a tensor.`, { code: 'INVALID_ARGUMENT' });
    if (!isSafetensorsDtype(dtype)) {
      throw new InvalidInputError(
        `Tensor '${name}' has dtype '${dtype}'; allowed: ${Object.keys(safetensorsDtypeSizes).join(', ')}.`, { code: 'INVALID_ARGUMENT' },
      );
    }
    const size = shape.reduce((product, dim) => product * dim, 1);
    if (shape.some((dim) => !Number.isInteger(dim) || dim < 0) || size !== data.length) {
      throw new InvalidInputError(
        `Tensor '${name}' has shape [${shape.join(', ')}] but ${data.length} values; the shape's product must equal the length.`, { code: 'INVALID_ARGUMENT' },
      );
    }
  }
  const names = Object.keys(tensors).sort((a, b) => {
    const byDtype = layoutRank[tensors[b].dtype] - layoutRank[tensors[a].dtype];
    return byDtype !== 0 ? byDtype : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  const begins: number[] = [];
  let offset = 0;
  for (const name of names) {
    const { dtype, shape, data } = tensors[name];
    const end = offset + data.length * safetensorsDtypeSizes[dtype];
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, end] };
    begins.push(offset);
    offset = end;
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(headerBytes.length / 8) * 8;

  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(headerBytes, 8);
  bytes.fill(0x20, 8 + headerBytes.length, 8 + headerLength); // space padding, as the reference writer
  const dataStart = 8 + headerLength;
  names.forEach((name, index) => {
    writeTensorData(name, tensors[name], view, dataStart + begins[index]);
  });
  return bytes;
}

function writeTensorData(name: string, { dtype, data }: SafetensorsTensorInput, view: DataView, start: number): void {
  const count = data.length;
  const integer = (value: number): number => {
    if (!Number.isFinite(value)) {
      throw new InvalidInputError(`Tensor '${name}' holds ${value}, which ${dtype} cannot store.`, { code: 'INVALID_ARGUMENT' });
    }
    return Math.trunc(value);
  };
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) view.setFloat32(start + 4 * i, data[i], true);
      return;
    case 'F64':
      for (let i = 0; i < count; i++) view.setFloat64(start + 8 * i, data[i], true);
      return;
    case 'F16': {
      const bits = float32ToFloat16Bits(data);
      for (let i = 0; i < count; i++) view.setUint16(start + 2 * i, bits[i], true);
      return;
    }
    case 'BF16':
      for (let i = 0; i < count; i++) view.setUint16(start + 2 * i, bfloat16Bits(data[i]), true);
      return;
    case 'F8_E4M3': {
      const bits = float32ToFloat8E4m3Bits(data);
      for (let i = 0; i < count; i++) view.setUint8(start + i, bits[i]);
      return;
    }
    case 'I64':
      for (let i = 0; i < count; i++) view.setBigInt64(start + 8 * i, BigInt(integer(data[i])), true);
      return;
    case 'U64':
      for (let i = 0; i < count; i++) view.setBigUint64(start + 8 * i, BigInt(integer(data[i])), true);
      return;
    case 'I32':
      for (let i = 0; i < count; i++) view.setInt32(start + 4 * i, integer(data[i]), true);
      return;
    case 'U32':
      for (let i = 0; i < count; i++) view.setUint32(start + 4 * i, integer(data[i]), true);
      return;
    case 'I16':
      for (let i = 0; i < count; i++) view.setInt16(start + 2 * i, integer(data[i]), true);
      return;
    case 'U16':
      for (let i = 0; i < count; i++) view.setUint16(start + 2 * i, integer(data[i]), true);
      return;
    case 'I8':
      for (let i = 0; i < count; i++) view.setInt8(start + i, integer(data[i]));
      return;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i++) view.setUint8(start + i, integer(data[i]));
      return;
  }
}
