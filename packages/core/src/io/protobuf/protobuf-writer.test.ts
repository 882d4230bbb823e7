import { describe, expect, it } from 'vitest';
import { ProtobufWriter } from './protobuf-writer';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const varint = (value: number | bigint) => hex(new ProtobufWriter().varint(value).finish());

describe('ProtobufWriter', () => {
  it('writes varints in base 128, least significant group first', () => {
    expect(varint(0)).toBe('00');
    expect(varint(1)).toBe('01');
    expect(varint(127)).toBe('7f');
    expect(varint(128)).toBe('80 01');
    expect(varint(300)).toBe('ac 02');
    expect(varint(2 ** 32)).toBe('80 80 80 80 10');
    expect(varint(2 ** 53 - 1)).toBe('ff ff ff ff ff ff ff 0f');
    expect(varint(2n ** 63n - 1n)).toBe('ff ff ff ff ff ff ff ff 7f');
  });

  it('writes negative int64 as 10-byte two\'s complement varints', () => {
    expect(varint(-1)).toBe('ff ff ff ff ff ff ff ff ff 01');
    expect(varint(-2n)).toBe('fe ff ff ff ff ff ff ff ff 01');
    expect(varint(-(2n ** 63n))).toBe('80 80 80 80 80 80 80 80 80 01');
  });

  it('encodes the protobuf documentation\'s messages byte for byte', () => {
    // From protobuf.dev "Encoding": Test1 { a = 150 }, Test2 { b = "testing" }, Test3 { c = Test1 }.
    expect(hex(new ProtobufWriter().int(1, 150).finish())).toBe('08 96 01');
    expect(hex(new ProtobufWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67');
    expect(hex(new ProtobufWriter().message(3, (inner) => inner.int(1, 150)).finish())).toBe('1a 03 08 96 01');
    // Packed repeated int32 d = 4 with [3, 270, 86942].
    expect(hex(new ProtobufWriter().packedVarints(4, [3, 270, 86942]).finish())).toBe('22 06 03 8e 02 9e a7 05');
  });

  it('writes floats as little-endian fixed32, packed or single', () => {
    expect(hex(new ProtobufWriter().float(2, 1).finish())).toBe('15 00 00 80 3f');
    expect(hex(new ProtobufWriter().packedFloats(7, [1, -2]).finish())).toBe('3a 08 00 00 80 3f 00 00 00 c0');
    expect(new ProtobufWriter().packedFloats(7, []).packedVarints(8, []).finish().length).toBe(0);
  });

  it('grows past its initial buffer and keeps writing after finish', () => {
    const writer = new ProtobufWriter().bytes(1, new Uint8Array(1000).fill(7));
    const first = writer.finish();
    expect(hex(first.subarray(0, 3))).toBe('0a e8 07');
    expect(first.length).toBe(1003);
    expect(writer.int(2, 1).finish().length).toBe(1005);
    expect(first.length).toBe(1003);
  });
});
