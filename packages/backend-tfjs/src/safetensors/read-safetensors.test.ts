import { InseqError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from './read-safetensors';

/** Builds a file by hand: `header` as given (any JSON), `data` as the raw data section. */
function fileOf(header: unknown, data: Uint8Array = new Uint8Array(0), padTo = 0): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  while (padTo && (8 + json.length) % padTo !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  bytes.set(data, 8 + headerBytes.length);
  return bytes;
}

function f32Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat32(4 * i, value, true);
  return bytes;
}

function u16Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setUint16(2 * i, value, true);
  return bytes;
}

function expectInvalidFile(bytes: Uint8Array, ...fragments: string[]): void {
  let caught: unknown;
  try {
    readSafetensors(bytes, { name: 'weights.safetensors' });
  } catch (error) {
    caught = error;
  }
  expect(InseqError.isInstance(caught)).toBe(true);
  const error = caught as InseqError;
  expect(error.name).toBe('ModelLoadError');
  expect(error.code).toBe('INVALID_FILE');
  expect(error.message).toContain('weights.safetensors');
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

describe('readSafetensors', () => {
  it('reads F32 tensors, shapes and metadata', () => {
    const data = f32Bytes([1, 2, 3, 4, 5, 6, -0.5]);
    const file = readSafetensors(
      fileOf(
        {
          __metadata__: { format: 'pt' },
          a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
          b: { dtype: 'F32', shape: [], data_offsets: [24, 28] },
        },
        data,
        8,
      ),
    );
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.tensors.get('a')).toEqual({ dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    expect(file.tensors.get('b')?.data).toEqual(Float32Array.from([-0.5]));
  });

  it('reads tensors at unaligned offsets, in a buffer at an unaligned byteOffset', () => {
    // A 1-byte U8 tensor first pushes the F32 tensor to an odd offset; the header is unpadded.
    const data = new Uint8Array([7, ...f32Bytes([1.5, -2.25])]);
    const file = fileOf(
      {
        u: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
        f: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
      },
      data,
    );
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const read = readSafetensors(shifted.subarray(3));
    expect(read.tensors.get('f')?.data).toEqual(Float32Array.from([1.5, -2.25]));
    expect(read.tensors.get('u')?.data).toEqual(Float32Array.from([7]));
  });

  it('converts F16 exactly, subnormals, infinities and NaN included', () => {
    const bits = [0x3c00, 0xc000, 0x3555, 0x0001, 0x03ff, 0x8001, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x0000, 0x8000];
    const file = readSafetensors(fileOf({ h: { dtype: 'F16', shape: [bits.length], data_offsets: [0, 2 * bits.length] } }, u16Bytes(bits)));
    const values = Array.from(file.tensors.get('h')!.data);
    expect(values.slice(0, 9)).toEqual([
      1,
      -2,
      Math.fround(0.333251953125),
      2 ** -24,
      1023 * 2 ** -24,
      -(2 ** -24),
      65504,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(values[9]).toBeNaN();
    expect(Object.is(values[10], 0)).toBe(true);
    expect(Object.is(values[11], -0)).toBe(true);
  });

  it('converts BF16 by shifting into the top half of a float32', () => {
    const bits = [0x3f80, 0xc040, 0x3eab, 0x7f80, 0x0001];
    const file = readSafetensors(fileOf({ b: { dtype: 'BF16', shape: [5], data_offsets: [1, 11] } }, new Uint8Array([0, ...u16Bytes(bits)])));
    expect(Array.from(file.tensors.get('b')!.data)).toEqual([
      1,
      -3,
      Math.fround(0.333984375),
      Number.POSITIVE_INFINITY,
      new Float32Array(new Uint32Array([0x00010000]).buffer)[0],
    ]);
  });

  it('reads integer and F64 tensors as float32 values', () => {
    const data = new Uint8Array(8 + 8 + 2);
    const view = new DataView(data.buffer);
    view.setFloat64(0, 0.1, true);
    view.setBigInt64(8, -3n, true);
    view.setInt16(16, -7, true);
    const file = readSafetensors(
      fileOf(
        {
          d: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
          l: { dtype: 'I64', shape: [1], data_offsets: [8, 16] },
          s: { dtype: 'I16', shape: [1, 1], data_offsets: [16, 18] },
        },
        data,
      ),
    );
    expect(file.tensors.get('d')!.data[0]).toBe(Math.fround(0.1));
    expect(file.tensors.get('l')!.data[0]).toBe(-3);
    expect(file.tensors.get('s')!.data[0]).toBe(-7);
  });

  it('accepts an empty tensor and a file without tensors', () => {
    expect(readSafetensors(fileOf({})).tensors.size).toBe(0);
    const file = readSafetensors(fileOf({ e: { dtype: 'F32', shape: [0, 4], data_offsets: [0, 0] } }));
    expect(file.tensors.get('e')?.data.length).toBe(0);
  });

  describe('rejects malformed files with INVALID_FILE', () => {
    const good = fileOf({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32Bytes([1, 2]));

    it('shorter than 8 bytes', () => {
      expectInvalidFile(new Uint8Array(0), '0 bytes');
      expectInvalidFile(new Uint8Array(5), '5 bytes');
    });

    it('header length beyond the file (truncated header)', () => {
      expectInvalidFile(good.subarray(0, 20), 'runs past the end', 'truncated');
    });

    it('absurd header length', () => {
      const bytes = new Uint8Array(16);
      new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
      expectInvalidFile(bytes, 'exceeds');
    });

    it('truncated data section', () => {
      expectInvalidFile(good.subarray(0, good.length - 1), "tensor 'a'", 'truncated');
    });

    it('bad JSON, non-object header, bad UTF-8', () => {
      expectInvalidFile(fileOf('{"a": '), 'not valid UTF-8 JSON');
      expectInvalidFile(fileOf('[1, 2]'), 'not a JSON object');
      const bytes = fileOf('{"x":1}');
      bytes[10] = 0xff;
      expectInvalidFile(bytes, 'not valid UTF-8 JSON');
    });

    it('unknown dtype', () => {
      expectInvalidFile(fileOf({ a: { dtype: 'F8_E5M2', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), "'a'", 'F8_E5M2', 'supported: ');
      expectInvalidFile(fileOf({ a: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), "'a'", 'dtype');
    });

    it('negative, fractional or missing dims', () => {
      expectInvalidFile(fileOf({ a: { dtype: 'F32', shape: [-1, 2], data_offsets: [0, 8] } }, new Uint8Array(8)), "'a'", 'shape');
      expectInvalidFile(fileOf({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(8)), 'non-negative integers');
      expectInvalidFile(fileOf({ a: { dtype: 'F32', data_offsets: [0, 4] } }, new Uint8Array(4)), 'shape');
    });

    it('offsets out of range, reversed, malformed', () => {
      expectInvalidFile(fileOf({ a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(8)), "'a'", 'ends at byte 12');
      expectInvalidFile(fileOf({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, new Uint8Array(8)), 'begin <= end');
      expectInvalidFile(fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }, new Uint8Array(8)), 'data_offsets');
      expectInvalidFile(fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(8)), 'data_offsets');
    });

    it('byte length not matching shape × dtype', () => {
      expectInvalidFile(fileOf({ a: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), "'a'", 'has 8 bytes', 'needs 6');
    });

    it('overlapping tensors', () => {
      expectInvalidFile(
        fileOf(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          new Uint8Array(12),
        ),
        "'a' and 'b' overlap",
      );
    });

    it('entries and metadata of the wrong type', () => {
      expectInvalidFile(fileOf({ a: 3 }), "'a' is not an object");
      expectInvalidFile(fileOf({ __metadata__: { n: 1 } }), "__metadata__ entry 'n'");
      expectInvalidFile(fileOf({ __metadata__: [] }), '__metadata__ is not an object');
    });
  });
});
