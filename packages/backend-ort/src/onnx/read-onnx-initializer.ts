import { float16BitsToFloat32 } from '@inseq/core';
import { fields, packedVarints } from './onnx-protobuf-fields';

/** A numeric initializer read out of an ONNX model as float32: row-major values and dims. */
export interface OnnxInitializer {
  readonly data: Float32Array;
  readonly dims: number[];
}

/**
 * Bytes `[offset, offset + length)` of the external data file named by `location` (relative to
 * the model file; `length` undefined: to the end), or `undefined` when the file is absent.
 */
export type ExternalDataReader = (location: string, offset: number, length: number | undefined) => Promise<Uint8Array | undefined>;

// Field numbers from onnx.proto: ModelProto.graph = 7, GraphProto.initializer = 5,
// TensorProto.dims = 1, data_type = 2, float_data = 4, int32_data = 5 (float16 bits, int8 and
// uint8 values), name = 8, raw_data = 9, external_data = 13 (StringStringEntryProto key = 1,
// value = 2), data_location = 14. TensorProto.DataType: FLOAT 1, UINT8 2, INT8 3, FLOAT16 10.
const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const FLOAT16 = 10;
const EXTERNAL = 1;
const byteWidth: Readonly<Record<number, number>> = { [FLOAT]: 4, [UINT8]: 1, [INT8]: 1, [FLOAT16]: 2 };

/** The fields of a `TensorProto` the readers use, undecoded. */
export interface OnnxTensorFields {
  readonly name: string;
  readonly dataType: number;
  readonly dims: number[];
  readonly raw?: Uint8Array;
  readonly floats: number[];
  readonly int32s: number[];
  /** `external_data` entries when `data_location` is EXTERNAL. */
  readonly external?: Readonly<Record<string, string>>;
}

/** Reads the fields of one `TensorProto`. @throws ModelLoadError (`'INVALID_FILE'`) on malformed bytes. */
export function onnxTensorFields(bytes: Uint8Array): OnnxTensorFields {
  let name = '';
  let dataType = 0;
  let location = 0;
  const dims: number[] = [];
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const int32s: number[] = [];
  const external: Record<string, string> = Object.create(null);
  const decoder = new TextDecoder();
  for (const field of fields(bytes)) {
    if (field.number === 8 && field.bytes) name = decoder.decode(field.bytes);
    else if (field.number === 2 && field.wireType === 0) dataType = field.value;
    else if (field.number === 1 && field.wireType === 0) dims.push(field.value);
    else if (field.number === 1 && field.bytes) dims.push(...packedVarints(field.bytes));
    else if (field.number === 9 && field.bytes) raw = field.bytes;
    else if (field.number === 5 && field.wireType === 0) int32s.push(field.value);
    else if (field.number === 5 && field.bytes) int32s.push(...packedVarints(field.bytes));
    else if (field.number === 14 && field.wireType === 0) location = field.value;
    else if (field.number === 13 && field.bytes) {
      let key = '';
      let value = '';
      for (const entry of fields(field.bytes)) {
        if (entry.number === 1 && entry.bytes) key = decoder.decode(entry.bytes);
        else if (entry.number === 2 && entry.bytes) value = decoder.decode(entry.bytes);
      }
      external[key] = value;
    } else if (field.number === 4 && field.bytes) {
      const view = new DataView(field.bytes.buffer, field.bytes.byteOffset, field.bytes.byteLength);
      for (let i = 0; i + 4 <= field.bytes.byteLength; i += 4) floats.push(view.getFloat32(i, true));
    }
  }
  return { name, dataType, dims, raw, floats, int32s, ...(location === EXTERNAL ? { external } : {}) };
}

/** Whether {@link readOnnxTensor} decodes this element type (float32, float16, uint8, int8). */
export function isReadableOnnxType(dataType: number): boolean {
  return Object.hasOwn(byteWidth, dataType);
}

/** Little-endian values of `raw` of type `dataType`, as float32. */
function decodeRaw(raw: Uint8Array, dataType: number): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = raw.byteLength / byteWidth[dataType];
  const data = new Float32Array(count);
  if (dataType === FLOAT) for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
  else if (dataType === UINT8) for (let i = 0; i < count; i++) data[i] = raw[i];
  else if (dataType === INT8) for (let i = 0; i < count; i++) data[i] = view.getInt8(i);
  else {
    const bits = new Uint16Array(count);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true);
    return float16BitsToFloat32(bits);
  }
  return data;
}

/**
 * The element count of `dims`, or `undefined` when a dim is not a non-negative safe integer (a
 * negative int64 reads as about 1.8e19) or the product passes 2^53.
 */
export function onnxElementCount(dims: readonly number[]): number | undefined {
  let size = 1;
  for (const dim of dims) {
    if (!Number.isSafeInteger(dim) || dim < 0) return undefined;
    size *= dim;
    if (!Number.isSafeInteger(size)) return undefined;
  }
  return size;
}

/** A non-negative safe integer from an `external_data` value (`offset`, `length`), else `undefined`. */
function externalNumber(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d{1,16}$/.test(value)) return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : undefined;
}

/**
 * The values of a float32, float16, uint8 or int8 tensor as float32, stored inline (raw or typed
 * data) or in an external data file that `readExternal` reads (only the tensor's own byte range
 * is asked for); `undefined` for another type, dims that are not a size (negative, above 2^53), a
 * byte size that does not match the dims, a malformed `external_data` offset or length, or an
 * external file that is not supplied or too short. Sizes are checked before anything is
 * allocated, so a tensor claiming 1e12 elements costs nothing.
 */
export async function readOnnxTensor(tensor: OnnxTensorFields, readExternal?: ExternalDataReader): Promise<OnnxInitializer | undefined> {
  if (!isReadableOnnxType(tensor.dataType)) return undefined;
  const size = onnxElementCount(tensor.dims);
  if (size === undefined) return undefined;
  const width = byteWidth[tensor.dataType];
  let data: Float32Array;
  if (tensor.external) {
    const location = tensor.external.location;
    const offset = externalNumber(tensor.external.offset, 0);
    const length = externalNumber(tensor.external.length, size * width);
    if (location === undefined || offset === undefined || length !== size * width || !Number.isSafeInteger(length)) return undefined;
    const raw = await readExternal?.(location, offset, length);
    if (!raw || raw.byteLength !== length) return undefined;
    data = decodeRaw(raw, tensor.dataType);
  } else if (tensor.raw) {
    if (tensor.raw.byteLength !== size * width) return undefined;
    data = decodeRaw(tensor.raw, tensor.dataType);
  } else if (tensor.dataType === FLOAT) {
    if (tensor.floats.length !== size) return undefined;
    data = Float32Array.from(tensor.floats);
  } else if (tensor.dataType === FLOAT16) {
    if (tensor.int32s.length !== size) return undefined;
    // onnx.proto keeps non-raw float16 values as their bit patterns in int32_data.
    data = float16BitsToFloat32(Uint16Array.from(tensor.int32s));
  } else {
    // int8 / uint8 values, one per int32_data entry. Negative int8s are 10-byte varints that the
    // walk cannot read exactly; exporters write raw_data, so such a tensor is left unread.
    if (tensor.int32s.length !== size || tensor.int32s.some((value) => value > 255)) return undefined;
    data = Float32Array.from(tensor.int32s);
  }
  return data.length === size ? { data, dims: tensor.dims } : undefined;
}

function* initializers(model: Uint8Array): Generator<Uint8Array> {
  for (const field of fields(model)) {
    if (field.number !== 7 || !field.bytes) continue;
    for (const graphField of fields(field.bytes)) {
      if (graphField.number === 5 && graphField.bytes) yield graphField.bytes;
    }
  }
}

/**
 * The external data files an ONNX model's initializers name (`external_data` `location`, relative
 * to the model file), each with the first initializer stored there, in order of first mention.
 *
 * @throws ModelLoadError (`'INVALID_FILE'`) on bytes that are not a well-formed protobuf.
 */
export function onnxExternalDataFiles(model: Uint8Array): { location: string; initializer: string }[] {
  const found = new Map<string, string>();
  for (const bytes of initializers(model)) {
    const tensor = onnxTensorFields(bytes);
    const location = tensor.external?.location;
    if (location !== undefined && !found.has(location)) found.set(location, tensor.name);
  }
  return [...found].map(([location, initializer]) => ({ location, initializer }));
}
