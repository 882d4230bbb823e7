// A minimal protobuf walk over ONNX files: enough wire types to read graphs and initializers
// without a second runtime (ONNX Runtime does not expose initializers or the graph's structure).
// The bytes are untrusted: every length is checked against what is left before a view is made,
// varints are at most 10 bytes, and each malformation is a ModelLoadError ('INVALID_FILE').

import { ModelLoadError } from '@inseq/core';

/** One protobuf field: its number, wire type, varint value or length-delimited payload. */
export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** Varint value (wire type 0). */
  readonly value: number;
  /** Payload of a length-delimited field (wire type 2). */
  readonly bytes?: Uint8Array;
}

/** The error of a malformed protobuf; callers add the file name where they know it. */
export function malformedProtobuf(what: string): ModelLoadError {
  return new ModelLoadError(`not a well-formed ONNX protobuf: ${what}`, { code: 'INVALID_FILE' });
}

/** Reads the varint at `offset`: its value (above 2^53 rounded) and the offset after it. */
function readVarint(buffer: Uint8Array, offset: number): [value: number, next: number] {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (offset >= buffer.length) throw malformedProtobuf(`truncated varint at byte ${offset} of ${buffer.length}`);
    const byte = buffer[offset++];
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return [result, offset];
    scale *= 128;
  }
  throw malformedProtobuf(`varint longer than 10 bytes ending at byte ${offset}`);
}

/** The fields of one protobuf message, in order; fixed64 / fixed32 fields are skipped. @throws ModelLoadError on truncated or ill-formed bytes. */
export function* fields(buffer: Uint8Array): Generator<Field> {
  let offset = 0;
  while (offset < buffer.length) {
    const keyAt = offset;
    const [key, afterKey] = readVarint(buffer, offset);
    offset = afterKey;
    const wireType = key % 8;
    const number = Math.floor(key / 8);
    if (number === 0) throw malformedProtobuf(`field number 0 at byte ${keyAt}`);
    if (wireType === 0) {
      const [value, next] = readVarint(buffer, offset);
      offset = next;
      yield { number, wireType, value };
    } else if (wireType === 2) {
      const [length, next] = readVarint(buffer, offset);
      offset = next;
      if (length > buffer.length - offset) {
        throw malformedProtobuf(`field ${number} at byte ${keyAt} claims ${length} bytes but only ${buffer.length - offset} are left`);
      }
      yield { number, wireType, value: length, bytes: buffer.subarray(offset, offset + length) };
      offset += length;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (size > buffer.length - offset) throw malformedProtobuf(`truncated fixed${size * 8} field ${number} at byte ${keyAt}`);
      offset += size;
    } else {
      throw malformedProtobuf(`unsupported wire type ${wireType} (field ${number}) at byte ${keyAt}`);
    }
  }
}

/** The values of a packed repeated varint field's payload. @throws ModelLoadError on a truncated or overlong varint. */
export function packedVarints(bytes: Uint8Array): number[] {
  // A packed repeated varint field is a sequence of bare varints: read them as field-less values.
  const values: number[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const [value, next] = readVarint(bytes, offset);
    values.push(value);
    offset = next;
  }
  return values;
}
