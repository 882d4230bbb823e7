import { describe, expect, it } from 'vitest';
import { InseqError } from '../../errors/inseq-error';
import { decodeSafetensors } from './decode-safetensors';

/** Builds safetensors bytes by hand: `header` as given (any JSON), `data` as the raw data section. */
function fileOf(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = typeof header === 'string' ? header : JSON.stringify(header);
  const headerBytes = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  bytes.set(data, 8 + headerBytes.length);
  return bytes;
}

function expectInvalid(bytes: Uint8Array, ...fragments: string[]): void {
  let caught: unknown;
  try {
    decodeSafetensors(bytes, { name: "field 'target_attributions'" });
  } catch (error) {
    caught = error;
  }
  expect(InseqError.isInstance(caught)).toBe(true);
  expect((caught as InseqError).code).toBe('INVALID_FILE');
  expect((caught as InseqError).message).toContain("field 'target_attributions' is not a valid safetensors file");
  for (const fragment of fragments) expect((caught as InseqError).message).toContain(fragment);
}

describe('decodeSafetensors', () => {
  it('reads F32, F16, BF16, F8_E4M3, I64 and I32 tensors written byte by byte, with metadata', () => {
    const data = Uint8Array.of(
      ...[0x00, 0x00, 0x80, 0x3f], // F32 1
      ...[0x00, 0x00, 0x00, 0xc0], // F32 -2
      ...[0x00, 0x3c], // F16 1
      ...[0x00, 0x7e], // F16 NaN
      ...[0x80, 0x3f], // BF16 1
      ...[0x38, 0xfe, 0x01], // F8_E4M3 1, -448, 2^-9
      ...[0x05, 0, 0, 0, 0, 0, 0, 0], // I64 5
      ...[0xff, 0xff, 0xff, 0xff], // I32 -1
    );
    const file = decodeSafetensors(
      fileOf(
        {
          __metadata__: { scale: '0.5' },
          f: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          h: { dtype: 'F16', shape: [1, 2], data_offsets: [8, 12] },
          b: { dtype: 'BF16', shape: [], data_offsets: [12, 14] },
          e: { dtype: 'F8_E4M3', shape: [3], data_offsets: [14, 17] },
          l: { dtype: 'I64', shape: [1], data_offsets: [17, 25] },
          i: { dtype: 'I32', shape: [1], data_offsets: [25, 29] },
        },
        data,
      ),
    );
    expect(file.metadata).toEqual({ scale: '0.5' });
    expect([...file.tensors.keys()]).toEqual(['f', 'h', 'b', 'e', 'l', 'i']);
    expect(file.tensors.get('f')).toEqual({ dtype: 'F32', shape: [2], data: Float32Array.of(1, -2) });
    expect(file.tensors.get('h')?.data[0]).toBe(1);
    expect(file.tensors.get('h')?.data[1]).toBeNaN();
    expect(file.tensors.get('b')?.data).toEqual(Float32Array.of(1));
    expect(file.tensors.get('e')?.data).toEqual(Float32Array.of(1, -448, 2 ** -9));
    expect(file.tensors.get('l')?.data).toEqual(Float32Array.of(5));
    expect(file.tensors.get('i')?.data).toEqual(Float32Array.of(-1));
  });

  it('reads a buffer at an unaligned byteOffset', () => {
    const file = fileOf({ f: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, Uint8Array.of(0, 0, 0xc0, 0x3f));
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(decodeSafetensors(shifted.subarray(3)).tensors.get('f')?.data).toEqual(Float32Array.of(1.5));
  });

  it('rejects truncated, malformed and unknown contents with INVALID_FILE naming the fault', () => {
    const good = fileOf({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));
    expectInvalid(new Uint8Array(3), '3 bytes');
    expectInvalid(good.subarray(0, 20), 'runs past the end', 'truncated');
    expectInvalid(good.subarray(0, good.length - 1), "tensor 'a'", 'truncated');
    expectInvalid(fileOf('{"a": '), 'not valid UTF-8 JSON');
    expectInvalid(fileOf('[1]'), 'not a JSON object');
    expectInvalid(fileOf({ a: { dtype: 'F8_E5M2', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), "'a'", 'F8_E5M2', 'supported: ', 'F8_E4M3');
    expectInvalid(fileOf({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), 'non-negative integers');
    expectInvalid(fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)), 'begin <= end');
    expectInvalid(fileOf({ a: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), 'has 8 bytes', 'needs 6');
    expectInvalid(
      fileOf({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] } }, new Uint8Array(3)),
      "'a' and 'b' overlap",
    );
    expectInvalid(fileOf({ __metadata__: { n: 1 } }), "__metadata__ entry 'n'");
    const absurd = new Uint8Array(16);
    new DataView(absurd.buffer).setBigUint64(0, 2n ** 62n, true);
    expectInvalid(absurd, 'exceeds');
  });
});
