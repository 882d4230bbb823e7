import { float16BitsToFloat32 } from '../../numeric/float16';
import { float8E4m3BitsToFloat32 } from '../../numeric/float8-e4m3';
import { type SafetensorsDtype, safetensorsDtypeSizes } from './safetensors-dtype';

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts the raw little-endian bytes of one safetensors tensor to float32. The bytes may start at
 * any offset of their buffer (safetensors aligns only the data section), so typed views are made
 * on a copy, or values are read through a DataView.
 *
 * @param dtype - the stored dtype.
 * @param bytes - exactly `numel * size(dtype)` bytes.
 * @returns `numel` values. Integers beyond 2^24 lose precision (token ids and weights never are).
 */
export function decodeTensorData(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  const count = bytes.length / safetensorsDtypeSizes[dtype];
  switch (dtype) {
    case 'F32':
      if (hostIsLittleEndian) return new Float32Array(bytes.slice().buffer);
      return readWith(count, (view, i) => view.getFloat32(4 * i, true), bytes);
    case 'F16': {
      const bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
      return float16BitsToFloat32(bits);
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the 16 bits into place.
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16;
      return out;
    }
    case 'F8_E4M3':
      return float8E4m3BitsToFloat32(bytes);
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
  }
}

function readWith(count: number, read: (view: DataView, index: number) => number, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = read(view, i);
  return out;
}
