import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from './decode-safetensors';
import { encodeSafetensors } from './encode-safetensors';
import { roundToDtype } from './safetensors-dtype';

const tensors = {
  'b.weight': { dtype: 'F32' as const, shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0.1, 1e-8, -0]) },
  'a.bias': { dtype: 'F16' as const, shape: [3], data: Float32Array.from([0.1, 65504, -1e-6]) },
  'c.scale': { dtype: 'BF16' as const, shape: [], data: Float32Array.from([1 / 3]) },
  'd.empty': { dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
};

describe('encodeSafetensors', () => {
  const bytes = encodeSafetensors(tensors);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  const header = JSON.parse(headerText);

  it('writes a u64 header length, a space-padded JSON header aligned to 8, then the data', () => {
    expect(headerLength % 8).toBe(0);
    expect(headerText.trimEnd()).toBe(JSON.stringify(header));
    expect(headerText.slice(headerText.trimEnd().length)).toMatch(/^ *$/);
    expect(header.__metadata__).toEqual({ format: 'pt' });
    // 6 F32 + 0 F32 + 1 BF16 + 3 F16 values.
    expect(bytes.length).toBe(8 + headerLength + 6 * 4 + 2 + 3 * 2);
  });

  it('lays tensors out contiguously by dtype (F32, BF16, F16) then name', () => {
    expect(header['b.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['d.empty']).toEqual({ dtype: 'F32', shape: [0, 4], data_offsets: [24, 24] });
    expect(header['c.scale']).toEqual({ dtype: 'BF16', shape: [], data_offsets: [24, 26] });
    expect(header['a.bias']).toEqual({ dtype: 'F16', shape: [3], data_offsets: [26, 32] });
  });

  it('stores little-endian values, rounded to F16/BF16', () => {
    const dataStart = 8 + headerLength;
    expect(view.getFloat32(dataStart + 8, true)).toBe(Math.fround(3.5));
    expect(view.getUint16(dataStart + 24, true)).toBe(0x3eab); // 1/3 in bfloat16 (rounded up)
    expect(view.getUint16(dataStart + 26, true)).toBe(0x2e66); // 0.1 in float16
    const { tensors: decoded } = decodeSafetensors(bytes);
    for (const [name, tensor] of Object.entries(tensors)) {
      expect(decoded[name].shape).toEqual(tensor.shape);
      expect(decoded[name].data).toEqual(roundToDtype(tensor.data, tensor.dtype));
    }
  });

  it('does not depend on the order of the input and merges metadata over format pt', () => {
    const reversed = Object.fromEntries(Object.entries(tensors).reverse());
    expect(Buffer.from(encodeSafetensors(reversed)).equals(bytes)).toBe(true);
    const withMetadata = decodeSafetensors(encodeSafetensors(tensors, { source: 'test' }));
    expect(withMetadata.metadata).toEqual({ format: 'pt', source: 'test' });
  });

  it('rejects a shape that does not match the data and reserved or unknown names', () => {
    expect(() => encodeSafetensors({ x: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).toThrow(/shape \[2, 2\] but 3 values/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/reserved/);
    expect(() => encodeSafetensors({ x: { dtype: 'F64' as 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/F64/);
  });
});
