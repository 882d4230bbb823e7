import { float16BitsToFloat32, float32ToFloat16Bits } from '@inseq/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeOnnxModel, encodeOnnxModelWithExternalData } from './encode-onnx-model';
import type { OnnxModelSpec } from './onnx-model-spec';

// y = x + Cast(big) + small, z = big2: two initializers over the threshold (float16, uint8), one under it.
const big = Float32Array.from({ length: 600 }, (_, i) => i / 7);
const model: OnnxModelSpec = {
  opsetVersion: 17,
  graphName: 'external',
  inputs: [{ name: 'x', dataType: 'float', shape: [600] }],
  outputs: [
    { name: 'y', dataType: 'float', shape: [600] },
    { name: 'z', dataType: 'uint8', shape: [2000] },
  ],
  initializers: [
    { name: 'small', dataType: 'float', dims: [1], data: [0.5] },
    { name: 'big', dataType: 'float16', dims: [600], data: big },
    { name: 'big2', dataType: 'uint8', dims: [2000], data: Array.from({ length: 2000 }, (_, i) => i % 256) },
  ],
  nodes: [
    { opType: 'Cast', inputs: ['big'], outputs: ['bigf'], attributes: { to: { kind: 'int', value: 1 } } },
    { opType: 'Add', inputs: ['x', 'bigf'], outputs: ['s'] },
    { opType: 'Add', inputs: ['s', 'small'], outputs: ['y'] },
    { opType: 'Identity', inputs: ['big2'], outputs: ['z'] },
  ],
};

describe('encodeOnnxModelWithExternalData', () => {
  it('moves initializers of 1 KiB or more to one page-aligned data file', () => {
    const { model: bytes, data } = encodeOnnxModelWithExternalData(model, 'model.onnx_data');
    // big (1200 bytes) at 0, big2 (2000 bytes) at the next page.
    expect(data.length).toBe(4096 + 2000);
    const bits = new Uint16Array(data.slice(0, 1200).buffer);
    expect(bits).toEqual(float32ToFloat16Bits(big));
    expect(float16BitsToFloat32(bits)[7]).toBeCloseTo(1, 3);
    expect(Array.from(data.subarray(4096, 4096 + 5))).toEqual([0, 1, 2, 3, 4]);
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text).toContain('model.onnx_data');
    expect(bytes.length).toBeLessThan(encodeOnnxModel(model).length - 3000);
  });

  it('loads in ONNX Runtime from bytes with the data passed as externalData, equal to the inline model', async () => {
    const { model: bytes, data } = encodeOnnxModelWithExternalData(model, 'model.onnx_data');
    const x = new Tensor('float32', new Float32Array(600).fill(1), [600]);
    const inline = await InferenceSession.create(encodeOnnxModel(model));
    const external = await InferenceSession.create(bytes, { externalData: [{ path: 'model.onnx_data', data }] });
    try {
      const [a, b] = [await inline.run({ x }), await external.run({ x })];
      expect(b.y.data).toEqual(a.y.data);
      expect(Array.from((b.z.data as Uint8Array).subarray(254, 258))).toEqual([254, 255, 0, 1]);
      expect((a.y.data as Float32Array)[7]).toBeCloseTo(1 + 1 + 0.5, 2);
    } finally {
      await Promise.all([inline.release(), external.release()]);
    }
  });
});
