import { describe, expect, it } from 'vitest';
import { float32ToFloat16Bits, float16BitsToFloat32 } from '../../numeric/float16';
import { float32ToFloat8E4m3Bits, float8E4m3BitsToFloat32 } from '../../numeric/float8-e4m3';
import { decodeSafetensors } from './decode-safetensors';
import { encodeSafetensors } from './encode-safetensors';

describe('encodeSafetensors', () => {
  const values = [0.1, -2.5, 1 / 3, Number.NaN, 1e-3, 300];
  const tensors = {
    f32: { dtype: 'F32' as const, shape: [2, 3], data: values },
    f16: { dtype: 'F16' as const, shape: [6], data: values },
    e4m3: { dtype: 'F8_E4M3' as const, shape: [3, 2], data: values },
    bf16: { dtype: 'BF16' as const, shape: [1], data: [1 / 3] },
    ids: { dtype: 'I64' as const, shape: [3], data: [0, 50256, -1] },
    mask: { dtype: 'BOOL' as const, shape: [2], data: [1, 0] },
  };

  it('writes an 8-aligned, space-padded header and data that decodes to the rounded values', () => {
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    expect(headerText).toMatch(/^\{.*\} *$/);
    const header = JSON.parse(headerText);
    // Widest dtype first, then by name, as the reference writer.
    expect(Object.keys(header)).toEqual(['__metadata__', 'ids', 'f32', 'bf16', 'f16', 'e4m3', 'mask']);
    expect(header.ids.data_offsets).toEqual([0, 24]);

    const { tensors: decoded, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(decoded.get('f32')).toEqual({ dtype: 'F32', shape: [2, 3], data: Float32Array.from(values) });
    expect(decoded.get('f16')?.data).toEqual(float16BitsToFloat32(float32ToFloat16Bits(values)));
    expect(decoded.get('e4m3')?.data).toEqual(float8E4m3BitsToFloat32(float32ToFloat8E4m3Bits(values)));
    expect(decoded.get('bf16')?.data[0]).toBe(Math.fround(0.333984375));
    expect(decoded.get('ids')?.data).toEqual(Float32Array.of(0, 50256, -1));
    expect(decoded.get('mask')?.data).toEqual(Float32Array.of(1, 0));
  });

  it('does not depend on input order and omits empty metadata', () => {
    const reversed = Object.fromEntries(Object.entries(tensors).reverse());
    expect(encodeSafetensors(reversed)).toEqual(encodeSafetensors(tensors));
    const headerLength = Number(new DataView(encodeSafetensors(tensors, {}).buffer).getBigUint64(0, true));
    expect(new TextDecoder().decode(encodeSafetensors(tensors, {}).subarray(8, 8 + headerLength))).not.toContain('__metadata__');
  });

  it('rejects reserved names, unknown dtypes, mismatched shapes and non-finite integers', () => {
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: [1] } })).toThrow(/reserved/);
    expect(() => encodeSafetensors({ x: { dtype: 'C64' as 'F32', shape: [1], data: [1] } })).toThrow(/'C64'; allowed: /);
    expect(() => encodeSafetensors({ x: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3] } })).toThrow(/shape \[2, 2\] but 3 values/);
    expect(() => encodeSafetensors({ x: { dtype: 'I32', shape: [1], data: [Number.NaN] } })).toThrow(/holds NaN/);
  });
});
