import { float16ToFloat32 } from './float16-to-float32';

/** Bytes per element of every safetensors dtype this reader converts to float32. */
export const safetensorsDtypeSizes: Readonly<Record<string, number>> = Object.freeze({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
});

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts the raw little-endian bytes of one safetensors tensor to float32. The bytes may start at
 * any offset of their buffer (safetensors only aligns the data section to the header's padding),
 * so typed views are made on a copy, or values are read through a DataView.
 *
 * @param dtype - A key of {@link safetensorsDtypeSizes}; the caller has checked it.
 * @param bytes - Exactly `numel * size(dtype)` bytes.
 * @returns `numel` values. Integers beyond 2^24 lose precision (model weights never are integers).
 */
export function decodeTensorData(dtype: string, bytes: Uint8Array): Float32Array {
  const count = bytes.length / safetensorsDtypeSizes[dtype];
  switch (dtype) {
    case 'F32':
      if (hostIsLittleEndian) return new Float32Array(bytes.slice().buffer);
      return readWith(count, (view, i) => view.getFloat32(4 * i, true), bytes);
    case 'F16':
      return float16ToFloat32(bytes);
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the 16 bits into place.
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16;
      return out;
    }
    case 'F64':
      return readWith(count, (view, i) => view.getFloat64(8 * i, true), bytes);
    case 'I64':
      return readWith(count, (view, i) => Number(view.getBigInt64(8 * i, true)), bytes);
    case 'U64':
      return readWith(count, (view, i) => Number(view.getBigUint64(8 * i, true)), bytes);
    case 'I32':
      return readWith(count, (view, i) => view.getInt32(4 * i, true), bytes);
    case 'U32':
      return readWith(count, (view, i) => view.getUint32(4 * i, true), bytes);
    case 'I16':
      return readWith(count, (view, i) => view.getInt16(2 * i, true), bytes);
    case 'U16':
      return readWith(count, (view, i) => view.getUint16(2 * i, true), bytes);
    case 'I8':
      return readWith(count, (view, i) => view.getInt8(i), bytes);
    case 'U8':
    case 'BOOL':
      return Float32Array.from(bytes);
    default:
      throw new RangeError(`decodeTensorData: unhandled dtype '${dtype}'.`);
  }
}

function readWith(count: number, read: (view: DataView, index: number) => number, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = read(view, i);
  return out;
}
