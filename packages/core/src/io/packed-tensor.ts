import { InseqError } from '../errors/inseq-error';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../numeric/float16';
import { FLOAT8_E4M3_MAX, float32ToFloat8E4m3Bits, float8E4m3BitsToFloat32 } from '../numeric/float8-e4m3';
import { type Tensor, shapeSize } from '../tensor';
import { base64ToBytes, bytesToBase64 } from './base64';
import { previewJson } from './json-preview';

/**
 * A tensor stored at reduced precision in inseq-ts JSON: little-endian bit patterns in base64.
 * `float8_e4m3fn` values are divided by `scale` (the largest magnitude over 448) before rounding,
 * so every tensor uses float8's whole range: relative error ≤ 2^-4 down to `scale × 2^-6`.
 */
export interface PackedTensor {
  readonly dtype: 'float16' | 'float8_e4m3fn';
  readonly shape: number[];
  /** Multiply decoded values by this (float8 only). */
  readonly scale?: number;
  readonly base64: string;
}

/** True when a JSON value is shaped like a {@link PackedTensor}. */
export function isPackedTensor(value: unknown): value is PackedTensor {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'base64' in value && 'dtype' in value;
}

/** Packs a tensor as float16 or scaled float8 bits. */
export function packTensor(tensor: Tensor, precision: 'float16' | 'float8'): PackedTensor {
  const { data, shape } = tensor;
  if (precision === 'float16') {
    const bits = float32ToFloat16Bits(data);
    return { dtype: 'float16', shape: [...shape], base64: bytesToBase64(littleEndianBytes(bits)) };
  }
  let largest = 0;
  for (const value of data) if (Number.isFinite(value)) largest = Math.max(largest, Math.abs(value));
  const scale = largest > 0 ? largest / FLOAT8_E4M3_MAX : 1;
  const scaled = Float32Array.from(data, (value) => value / scale);
  return { dtype: 'float8_e4m3fn', shape: [...shape], scale, base64: bytesToBase64(float32ToFloat8E4m3Bits(scaled)) };
}

/**
 * Reads a {@link PackedTensor}.
 *
 * @param where - names the field in errors.
 * @throws InseqError `INVALID_FILE` for an unknown dtype, a bad shape or a byte count that does not match it.
 */
export function unpackTensor(packed: PackedTensor, where: string): Tensor {
  const { dtype, shape, scale } = packed;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    const shown = Array.isArray(shape) ? `[${shape.slice(0, 8).map((dim) => previewJson(dim, 20)).join(', ')}${shape.length > 8 ? ', …' : ''}]` : previewJson(shape);
    throw new InseqError(`${where} has shape ${shown}; dims must be non-negative integers.`, { code: 'INVALID_FILE' });
  }
  const width = dtype === 'float16' ? 2 : dtype === 'float8_e4m3fn' ? 1 : 0;
  if (width === 0) {
    throw new InseqError(`${where} has dtype ${previewJson(dtype, 40)}; expected 'float16' or 'float8_e4m3fn'.`, { code: 'INVALID_FILE' });
  }
  if (typeof packed.base64 !== 'string') {
    throw new InseqError(`${where} has base64 ${previewJson(packed.base64)}; expected a base64 string of the tensor's bits.`, { code: 'INVALID_FILE' });
  }
  const bytes = base64ToBytes(packed.base64, where);
  const count = shapeSize(shape);
  if (bytes.length !== count * width) {
    throw new InseqError(`${where} holds ${bytes.length} bytes but ${dtype} [${shape.join(', ')}] needs ${count * width}; it is truncated or corrupt.`, { code: 'INVALID_FILE' });
  }
  if (dtype === 'float16') {
    const bits = new Uint16Array(count);
    for (let i = 0; i < count; i++) bits[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    return { data: float16BitsToFloat32(bits), shape: [...shape] };
  }
  if (scale !== undefined && (typeof scale !== 'number' || !Number.isFinite(scale))) {
    throw new InseqError(`${where} has scale ${previewJson(scale)}; expected a finite number.`, { code: 'INVALID_FILE' });
  }
  const data = float8E4m3BitsToFloat32(bytes);
  if (scale !== undefined && scale !== 1) for (let i = 0; i < count; i++) data[i] *= scale;
  return { data, shape: [...shape] };
}

function littleEndianBytes(bits: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(bits.length * 2);
  for (let i = 0; i < bits.length; i++) {
    bytes[2 * i] = bits[i] & 0xff;
    bytes[2 * i + 1] = bits[i] >> 8;
  }
  return bytes;
}
