/** A float32 initializer read out of an ONNX model: row-major values and dims. */
export interface OnnxInitializer {
  readonly data: Float32Array;
  readonly dims: number[];
}

// Field numbers from onnx.proto: ModelProto.graph = 7, GraphProto.initializer = 5,
// TensorProto.dims = 1, data_type = 2, float_data = 4, name = 8, raw_data = 9.
const FLOAT = 1;

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

function readTensor(bytes: Uint8Array, wanted: string): OnnxInitializer | undefined {
  let name = '';
  let dataType = 0;
  const dims: number[] = [];
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  for (const field of fields(bytes)) {
    if (field.number === 8 && field.bytes) name = new TextDecoder().decode(field.bytes);
    else if (field.number === 2 && field.wireType === 0) dataType = field.value;
    else if (field.number === 1 && field.wireType === 0) dims.push(field.value);
    else if (field.number === 1 && field.bytes) dims.push(...packedVarints(field.bytes));
    else if (field.number === 9 && field.bytes) raw = field.bytes;
    else if (field.number === 4 && field.bytes) {
      const view = new DataView(field.bytes.buffer, field.bytes.byteOffset, field.bytes.byteLength);
      for (let i = 0; i + 4 <= field.bytes.byteLength; i += 4) floats.push(view.getFloat32(i, true));
    }
  }
  if (name !== wanted || dataType !== FLOAT) return undefined;
  const size = dims.reduce((a, b) => a * b, 1);
  let data: Float32Array;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Float32Array(raw.byteLength / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  } else {
    data = Float32Array.from(floats);
  }
  return data.length === size ? { data, dims } : undefined;
}

/**
 * Finds the float32 initializer `name` stored inside an ONNX model (raw or float data, not
 * external data), or `undefined`. A minimal protobuf walk, so that the token embeddings the
 * attribution loop asks for can be read without a second runtime.
 *
 * @throws Error on bytes that are not a well-formed protobuf.
 */
export function readOnnxInitializer(model: Uint8Array, name: string): OnnxInitializer | undefined {
  for (const field of fields(model)) {
    if (field.number !== 7 || !field.bytes) continue;
    for (const graphField of fields(field.bytes)) {
      if (graphField.number !== 5 || !graphField.bytes) continue;
      const tensor = readTensor(graphField.bytes, name);
      if (tensor) return tensor;
    }
  }
  return undefined;
}
