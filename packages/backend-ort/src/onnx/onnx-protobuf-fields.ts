// A minimal protobuf walk over ONNX files: enough wire types to read graphs and initializers
// without a second runtime (ONNX Runtime does not expose initializers or the graph's structure).

/** One protobuf field: its number, wire type, varint value or length-delimited payload. */
export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** Varint value (wire type 0). */
  readonly value: number;
  /** Payload of a length-delimited field (wire type 2). */
  readonly bytes?: Uint8Array;
}

/** The fields of one protobuf message, in order; fixed64 / fixed32 fields are skipped. @throws Error on truncated bytes. */
export function* fields(buffer: Uint8Array): Generator<Field> {
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

/** The values of a packed repeated varint field's payload. */
export function packedVarints(bytes: Uint8Array): number[] {
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

