import { InvalidInputError } from '@inseq/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeOnnxModel } from './encode-onnx-model';
import type { OnnxModelSpec } from './onnx-model-spec';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

// y = LeakyRelu(Transpose(x), alpha 0.5) + c (a Constant attribute); n = m + k (int64 initializer).
const model: OnnxModelSpec = {
  opsetVersion: 17,
  graphName: 'tiny',
  inputs: [
    { name: 'x', dataType: 'float', shape: ['rows', 3] },
    { name: 'm', dataType: 'int64', shape: [2] },
  ],
  outputs: [
    { name: 'y', dataType: 'float', shape: [3, 'rows'] },
    { name: 'n', dataType: 'int64', shape: [2] },
  ],
  initializers: [{ name: 'k', dataType: 'int64', dims: [2], data: [-1n, 2n ** 40n] }],
  nodes: [
    { opType: 'Transpose', inputs: ['x'], outputs: ['xt'], name: 'transpose', attributes: { perm: { kind: 'ints', value: [1, 0] } } },
    { opType: 'LeakyRelu', inputs: ['xt'], outputs: ['r'], attributes: { alpha: { kind: 'float', value: 0.5 } } },
    {
      opType: 'Constant',
      inputs: [],
      outputs: ['c'],
      attributes: { value: { kind: 'tensor', value: { name: 'c', dataType: 'float', dims: [3, 1], data: new Float32Array([10, 20, 30]) } } },
    },
    { opType: 'Add', inputs: ['r', 'c'], outputs: ['y'] },
    { opType: 'Add', inputs: ['m', 'k'], outputs: ['n'] },
  ],
};

describe('encodeOnnxModel', () => {
  it('writes a ModelProto that ONNX Runtime loads and runs, every attribute kind included', async () => {
    const session = await InferenceSession.create(encodeOnnxModel(model));
    const out = await session.run({
      x: new Tensor('float32', new Float32Array([1, -2, 3, -4, 5, -6]), [2, 3]),
      m: new Tensor('int64', new BigInt64Array([5n, 1n]), [2]),
    });
    expect(out.y.dims).toEqual([3, 2]);
    expect(Array.from(out.y.data as Float32Array)).toEqual([11, 8, 19, 25, 33, 27]);
    expect(Array.from(out.n.data as BigInt64Array)).toEqual([4n, 2n ** 40n + 1n]);
    await session.release();
  });

  it('starts with ir_version and the producer and ends with the opset import', () => {
    const bytes = encodeOnnxModel(model);
    // ir_version = 8 (field 1), producer_name (field 2) '@inseq/testing'.
    expect(hex(bytes.subarray(0, 4))).toBe('08 08 12 0e');
    expect(new TextDecoder().decode(bytes.subarray(4, 18))).toBe('@inseq/testing');
    // opset_import (field 8) { domain '' (field 1), version 17 (field 2) }.
    expect(hex(bytes.subarray(bytes.length - 6))).toBe('42 04 0a 00 10 11');
  });

  it('stores int64 initializers as little-endian raw_data', () => {
    const bytes = hex(encodeOnnxModel(model));
    // TensorProto { dims [2], data_type INT64, name 'k', raw_data -1, 2^40 }.
    expect(bytes).toContain('0a 01 02 10 07 42 01 6b 4a 10 ff ff ff ff ff ff ff ff 00 00 00 00 00 01 00 00');
  });

  it('rejects a tensor whose data does not fit its dims', () => {
    const bad: OnnxModelSpec = { ...model, initializers: [{ name: 'k', dataType: 'int64', dims: [3], data: [1, 2] }] };
    expect(() => encodeOnnxModel(bad)).toThrow(InvalidInputError);
    expect(() => encodeOnnxModel(bad)).toThrow(/'k' has 2 values but dims \[3\] need 3/);
  });
});
