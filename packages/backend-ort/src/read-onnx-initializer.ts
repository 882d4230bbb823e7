import { float16BitsToFloat32 } from '@inseq/core';

/** A float initializer read out of an ONNX model as float32: row-major values and dims. */
export interface OnnxInitializer {
  readonly data: Float32Array;
  readonly dims: number[];
}

/** Bytes of an external data file named by `location` (relative to the model file), or `undefined` when absent. */
export type ExternalDataReader = (location: string) => Uint8Array | undefined;

// Field numbers from onnx.proto: ModelProto.graph = 7, GraphProto.initializer = 5,
// TensorProto.dims = 1, data_type = 2, float_data = 4, int32_data = 5 (float16 bits), name = 8,
// raw_data = 9, external_data = 13 (StringStringEntryProto key = 1, value = 2), data_location = 14.
const FLOAT = 1;
const FLOAT16 = 10;
const EXTERNAL = 1;

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** Varint value (wire type 0). */
  readonly value: number;
  /** Payload of a length-delimited field (wire type 2). */
  readonly bytes?: Uint8Array;
}

function* fields(buffer: Uint8Array): Generator<Field> {
  let offset = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (offset >= buffer.length) throw new Error('truncated varint');
      const byte = buffer[offset++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  };
  while (offset < buffer.length) {
    const key = varint();
    const wireType = key % 8;
    const number = Math.floor(key / 8);
    if (wireType === 0) {
      yield { number, wireType, value: varint() };
    } else if (wireType === 2) {
      const length = varint();
      if (offset + length > buffer.length) throw new Error('truncated field');
      yield { number, wireType, value: length, bytes: buffer.subarray(offset, offset + length) };
      offset += length;
    } else if (wireType === 1) {
      offset += 8;
    } else if (wireType === 5) {
      offset += 4;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
}

function packedVarints(bytes: Uint8Array): number[] {
  // A packed repeated varint field is a sequence of bare varints: read them as field-less values.
  const values: number[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[offset++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    values.push(result);
  }
  return values;
}

interface TensorFields {
  readonly name: string;
  readonly dataType: number;
  readonly dims: number[];
  readonly raw?: Uint8Array;
  readonly floats: number[];
  readonly int32s: number[];
  /** `external_data` entries when `data_location` is EXTERNAL. */
  readonly external?: Readonly<Record<string, string>>;
}

function tensorFields(bytes: Uint8Array): TensorFields {
  let name = '';
  let dataType = 0;
  let location = 0;
  const dims: number[] = [];
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const int32s: number[] = [];
  const external: Record<string, string> = {};
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

/** The tensor's little-endian bytes from its external data file, or `undefined` if unreadable. */
function externalBytes(tensor: TensorFields, readExternal: ExternalDataReader | undefined): Uint8Array | undefined {
  const location = tensor.external?.location;
  const file = location === undefined ? undefined : readExternal?.(location);
  if (!file) return undefined;
  const offset = Number(tensor.external?.offset ?? 0);
  const length = tensor.external?.length === undefined ? file.length - offset : Number(tensor.external.length);
  return offset + length <= file.length ? file.subarray(offset, offset + length) : undefined;
}

function decodeTensor(tensor: TensorFields, readExternal: ExternalDataReader | undefined): OnnxInitializer | undefined {
  if (tensor.dataType !== FLOAT && tensor.dataType !== FLOAT16) return undefined;
  const size = tensor.dims.reduce((a, b) => a * b, 1);
  const raw = tensor.external ? externalBytes(tensor, readExternal) : tensor.raw;
  let data: Float32Array;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (tensor.dataType === FLOAT) {
      data = new Float32Array(raw.byteLength / 4);
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
    } else {
      const bits = new Uint16Array(raw.byteLength / 2);
      for (let i = 0; i < bits.length; i++) bits[i] = view.getUint16(i * 2, true);
      data = float16BitsToFloat32(bits);
    }
  } else if (tensor.external) {
    return undefined;
  } else if (tensor.dataType === FLOAT) {
    data = Float32Array.from(tensor.floats);
  } else {
    // onnx.proto keeps non-raw float16 values as their bit patterns in int32_data.
    data = float16BitsToFloat32(Uint16Array.from(tensor.int32s));
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
 * Finds the float initializer `name` of an ONNX model, stored as float32 or float16 (returned as
 * float32), inline (raw or typed data) or in an external data file that `readExternal` supplies;
 * `undefined` when there is no such float initializer or its external file is not supplied. A
 * minimal protobuf walk, so that the token embeddings the attribution loop asks for can be read
 * without a second runtime.
 *
 * @throws Error on bytes that are not a well-formed protobuf.
 */
export function readOnnxInitializer(model: Uint8Array, name: string, readExternal?: ExternalDataReader): OnnxInitializer | undefined {
  for (const bytes of initializers(model)) {
    const tensor = tensorFields(bytes);
    if (tensor.name === name) return decodeTensor(tensor, readExternal);
  }
  return undefined;
}

/**
 * The external data files an ONNX model's initializers name (`external_data` `location`, relative
 * to the model file), each with the first initializer stored there, in order of first mention.
 *
 * @throws Error on bytes that are not a well-formed protobuf.
 */
export function onnxExternalDataFiles(model: Uint8Array): { location: string; initializer: string }[] {
  const found = new Map<string, string>();
  for (const bytes of initializers(model)) {
    const tensor = tensorFields(bytes);
    const location = tensor.external?.location;
    if (location !== undefined && !found.has(location)) found.set(location, tensor.name);
  }
  return [...found].map(([location, initializer]) => ({ location, initializer }));
}
