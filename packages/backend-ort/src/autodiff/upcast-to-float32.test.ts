import { float16BitsToFloat32 } from '@inseq/core';
import {
  GraphBuilder,
  createTinyGpt2,
  encodeOnnxModel as encodeSpec,
  gpt2OnnxModelSpec,
  maxAbsDiff,
  type OnnxModelSpec,
  quantizeDynamicOnnxModel,
  toFloat16OnnxModel,
} from '@inseq/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { pastInputNames } from '../onnx/ort-graph-layout';
import { decodeOnnxModel } from './decode-onnx-model';
import { encodeOnnxModel } from './encode-onnx-model';
import { BFLOAT16, floatValues, tensorFields } from './ir-tensor-values';
import { ONNX_DTYPE, type IrGraph, type IrModel } from './onnx-ir';
import { computingInFloat16, roundToFloat16, withDequantizedWeights, withFloat16RoundedWeights } from './upcast-test-support.test-support';
import { type Float32Upcast, upcastToFloat32 } from './upcast-to-float32';

const { weights, config } = createTinyGpt2();
const spec = gpt2OnnxModelSpec(weights, config, {});
const halfTypes = [ONNX_DTYPE.float16, BFLOAT16];

/** Every element type a graph names (initializers, tensor attributes, Cast targets, inputs, outputs, value infos), subgraphs included. */
function typesIn(graph: IrGraph, into: number[] = []): number[] {
  for (const init of graph.initializers) into.push(tensorFields(init).dataType);
  for (const info of [...graph.inputs, ...graph.outputs, ...graph.valueInfo]) into.push(info.dataType);
  for (const node of graph.nodes) {
    for (const [name, attribute] of Object.entries(node.attributes)) {
      if (attribute.kind === 'tensor') into.push(tensorFields(attribute.value).dataType);
      if (attribute.kind === 'graph') typesIn(attribute.value, into);
      if (node.opType === 'Cast' && name === 'to' && attribute.kind === 'int') into.push(attribute.value);
    }
  }
  return into;
}

const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

/** Logits of a GPT-2 export (no cache) for two left-padded rows. */
async function logitsOf(model: Uint8Array, externalData: { path: string; data: Uint8Array }[] = [], extra: Record<string, ort.Tensor> = {}): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, externalData.length > 0 ? { externalData } : {});
  const ids = [0, 0, 5, 9, 3, 17, 8, 2];
  const mask = [0, 0, 1, 1, 1, 1, 1, 1];
  const positions = [0, 0, 0, 1, 2, 3, 0, 1];
  // Row 2 is unpadded; row 1 is padded by 2 (its positions start at the first real token).
  const out = await session.run({ input_ids: int64(ids, [2, 4]), attention_mask: int64(mask, [2, 4]), position_ids: int64(positions, [2, 4]), ...extra });
  const logits = out.logits;
  await session.release();
  return logits.type === 'float16' ? float16BitsToFloat32(logits.data as Uint16Array) : Float32Array.from(logits.data as Float32Array);
}

function upcastModel(bytes: Uint8Array, options?: Parameters<typeof upcastToFloat32>[1]): Float32Upcast {
  return upcastToFloat32(decodeOnnxModel(bytes), options);
}

describe('upcastToFloat32: float16 and bfloat16', () => {
  it('returns an fp32 model as it is', () => {
    const model = decodeOnnxModel(encodeSpec(spec));
    const upcast = upcastToFloat32(model);
    expect(upcast.model).toBe(model);
    expect(upcast).toMatchObject({ widened: 0, dequantized: 0, externalData: [] });
  });

  it('widens the fp16 export of toFloat16OnnxModel: no float16 left, values exact, logits of the fp16-rounded fp32 export', async () => {
    const half = encodeSpec(toFloat16OnnxModel(spec));
    const source = decodeOnnxModel(half);
    const upcast = upcastToFloat32(source);
    expect(typesIn(source.graph).some((type) => halfTypes.includes(type))).toBe(true);
    expect(typesIn(upcast.model.graph).filter((type) => halfTypes.includes(type))).toEqual([]);
    // Every widened initializer holds exactly the float16 values.
    const widened = new Map(upcast.model.graph.initializers.map((init) => [init.name, init]));
    const files = new Map(upcast.externalData.map((file) => [file.path, file.data]));
    let checked = 0;
    for (const init of source.graph.initializers) {
      const fields = tensorFields(init);
      if (fields.dataType !== ONNX_DTYPE.float16) continue;
      const after = tensorFields(widened.get(init.name)!);
      expect(after.dataType).toBe(ONNX_DTYPE.float);
      expect(after.dims).toEqual(fields.dims);
      expect(floatValues(after, files)).toEqual(floatValues(fields));
      checked++;
    }
    expect(checked).toBe(upcast.widened);
    expect(checked).toBeGreaterThan(10);
    // The large ones live in the in-memory data file.
    expect(upcast.externalData.length).toBe(1);
    const got = await logitsOf(encodeOnnxModel(upcast.model), upcast.externalData);
    const want = await logitsOf(encodeSpec(withFloat16RoundedWeights(spec)));
    // The same float32 computation on the same values (the fp16 export's own logits are rounded to float16).
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
  });

  it('widens a graph that computes in float16 (Casts to float16, float16 constants, I/O and value infos)', async () => {
    const source = decodeOnnxModel(encodeSpec(computingInFloat16(spec)));
    // A float16 Constant and value info, as converters write them.
    const constant = { name: 'two', dataType: ONNX_DTYPE.float16, dims: [], raw: new Uint8Array(Uint16Array.of(0x4000).buffer) };
    const logitsProducer = source.graph.nodes.findIndex((node) => node.outputs.includes('logits'));
    const nodes = source.graph.nodes.map((node, i) => (i === logitsProducer ? { ...node, outputs: ['logits/doubled'] } : node));
    nodes.push(
      { opType: 'Constant', name: 'two/node', inputs: [], outputs: ['two'], attributes: { value: { kind: 'tensor', value: constant } } },
      { opType: 'Div', name: 'halve', inputs: ['logits/doubled', 'two'], outputs: ['logits'], attributes: {} },
    );
    const model: IrModel = {
      ...source,
      graph: { ...source.graph, nodes, valueInfo: [{ name: 'logits/doubled', dataType: ONNX_DTYPE.float16, shape: ['batch_size', 'sequence_length', config.vocab_size as number] }] },
    };
    const upcast = upcastToFloat32(model);
    expect(typesIn(upcast.model.graph).filter((type) => halfTypes.includes(type))).toEqual([]);
    expect(upcast.model.graph.outputs.find((output) => output.name === 'logits')?.dataType).toBe(ONNX_DTYPE.float);
    const got = await logitsOf(encodeOnnxModel(upcast.model), upcast.externalData);
    const want = await logitsOf(encodeSpec(withFloat16RoundedWeights(spec, { clamp: true })));
    const scale = Math.max(...want.map(Math.abs));
    expect(maxAbsDiff(got, Float32Array.from(want, (v) => v / 2)) / scale).toBeLessThan(1e-6);
  });

  it('keeps float16Inputs float16 (a Cast follows), widens the other float16 inputs', async () => {
    const withPast = gpt2OnnxModelSpec(weights, config, { withPast: true });
    const source = decodeOnnxModel(encodeSpec(toFloat16OnnxModel(withPast)));
    const past = pastInputNames(config.n_layer as number);
    const upcast = upcastToFloat32(source, { float16Inputs: past.slice(0, 2) });
    const types = Object.fromEntries(upcast.model.graph.inputs.map((input) => [input.name, input.dataType]));
    expect(types[past[0]]).toBe(ONNX_DTYPE.float16);
    expect(types[past[1]]).toBe(ONNX_DTYPE.float16);
    expect(types[past[2]]).toBe(ONNX_DTYPE.float);
    const reads = upcast.model.graph.nodes.filter((node) => node.inputs.includes(past[0]));
    expect(reads.map((node) => [node.opType, node.attributes.to])).toEqual([['Cast', { kind: 'int', value: ONNX_DTYPE.float }]]);
    const heads = config.n_head as number;
    const headDim = (config.n_embd as number) / heads;
    const empty = (type: 'float16' | 'float32') => new ort.Tensor(type, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), [2, heads, 0, headDim]);
    const feeds = Object.fromEntries(past.map((name, i) => [name, empty(i < 2 ? 'float16' : 'float32')]));
    const got = await logitsOf(encodeOnnxModel(upcast.model), upcast.externalData, feeds);
    const reference = Object.fromEntries(past.map((name) => [name, empty('float32')]));
    const want = await logitsOf(encodeSpec(withFloat16RoundedWeights(withPast)), [], reference);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
  });

  it('widens bfloat16 initializers exactly (the top half of a float32)', async () => {
    const values = Float32Array.of(1.5, -0.25, 3.140625, 1e-3, -65536, 0.1);
    const bits = Uint16Array.from(new Uint32Array(values.buffer), (word) => word >>> 16);
    const graph: IrGraph = {
      name: 'bf16',
      nodes: [
        { opType: 'Cast', name: 'w_float', inputs: ['w'], outputs: ['w/float'], attributes: { to: { kind: 'int', value: ONNX_DTYPE.float } } },
        { opType: 'MatMul', name: 'mm', inputs: ['x', 'w/float'], outputs: ['y'], attributes: {} },
      ],
      inputs: [{ name: 'x', dataType: ONNX_DTYPE.float, shape: [1, 2] }],
      outputs: [{ name: 'y', dataType: ONNX_DTYPE.float, shape: [1, 3] }],
      initializers: [{ name: 'w', tensor: { name: 'w', dataType: BFLOAT16, dims: [2, 3], raw: new Uint8Array(bits.buffer) } }],
      valueInfo: [],
    };
    const upcast = upcastToFloat32({ irVersion: 8, opsetImports: { '': 17 }, producerName: 'test', graph });
    const w = tensorFields(upcast.model.graph.initializers[0]);
    expect(w.dataType).toBe(ONNX_DTYPE.float);
    expect(Array.from(floatValues(w))).toEqual(Array.from(new Float32Array(Uint32Array.from(bits, (b) => b << 16).buffer)));
    const session = await ort.InferenceSession.create(encodeOnnxModel(upcast.model));
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2), [1, 2]) });
    const wf = floatValues(w);
    expect(Array.from(y.data as Float32Array)).toEqual([0, 1, 2].map((n) => Math.fround(wf[n] + 2 * wf[3 + n])));
    await session.release();
  });

  it('without values: the same graph and types, no data files (for the load-time probe)', () => {
    const half = encodeSpec(toFloat16OnnxModel(spec));
    const [full, probe] = [upcastModel(half), upcastModel(half, { values: false })];
    expect(probe.externalData).toEqual([]);
    expect(probe.model.graph.nodes).toEqual(full.model.graph.nodes);
    expect(probe.model.graph.initializers.map((init) => [init.name, tensorFields(init).dataType])).toEqual(
      full.model.graph.initializers.map((init) => [init.name, tensorFields(init).dataType]),
    );
  });

  it('rounds as the fixtures say (sanity of the float16 reference)', () => {
    expect(Array.from(roundToFloat16([0.1, 1 / 3]))).toEqual([0.0999755859375, 0.333251953125]);
  });
});

describe('upcastToFloat32: quantized exports', () => {
  it.each([
    ['uint8 MatMulInteger', { weightType: 'uint8' }],
    ['int8 MatMulInteger', { weightType: 'int8' }],
    ['uint8 with the Gather table dequantized after the lookup', { weightType: 'uint8', gather: 'after' }],
    ['int8 with the Gather table dequantized before the lookup', { weightType: 'int8', gather: 'before' }],
  ] as const)('%s: float MatMuls of the dequantized weights, logits of the fp32 export of those weights', async (_, options) => {
    const quantized = quantizeDynamicOnnxModel(spec, options);
    const upcast = upcastModel(encodeSpec(quantized));
    const ops = new Set(upcast.model.graph.nodes.map((node) => node.opType));
    for (const op of ['DynamicQuantizeLinear', 'MatMulInteger', 'DequantizeLinear']) expect(ops.has(op)).toBe(false);
    expect(upcast.dequantized).toBe(quantized.nodes.filter((node) => node.opType === 'MatMulInteger' || node.opType === 'DequantizeLinear').length);
    // No 8-bit weight is left: every quantized initializer was dequantized and dropped.
    expect(upcast.model.graph.initializers.map((init) => tensorFields(init).dataType).filter((type) => type === ONNX_DTYPE.uint8 || type === ONNX_DTYPE.int8)).toEqual([]);
    const got = await logitsOf(encodeOnnxModel(upcast.model), upcast.externalData);
    const want = await logitsOf(encodeSpec(withDequantizedWeights(spec, quantized)));
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
  });

  it('folds DequantizeLinear of constants (per axis and blocked) to the values ONNX Runtime computes', async () => {
    const g = new GraphBuilder();
    const q = Array.from({ length: 8 * 3 }, (_, i) => ((i * 37) % 255) - 127);
    g.constant('wq', 'int8', [8, 3], q);
    g.constant('ws', 'float', [3], [0.05, 0.013, 0.2]);
    g.constant('wz', 'int8', [3], [3, -2, 0]);
    g.constant('bq', 'uint8', [8, 3], q.map((v) => v + 127));
    g.constant('bs', 'float', [2, 3], [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]);
    g.constant('bz', 'uint8', [2, 3], [120, 127, 130, 128, 126, 125]);
    const perAxis = g.one('DequantizeLinear', ['wq', 'ws', 'wz'], { axis: { kind: 'int', value: 1 } });
    const blocked = g.one('DequantizeLinear', ['bq', 'bs', 'bz'], { axis: { kind: 'int', value: 0 }, block_size: { kind: 'int', value: 4 } });
    g.one('Add', [g.one('MatMul', ['x', perAxis]), g.one('MatMul', ['x', blocked])], undefined, 'y');
    const model: OnnxModelSpec = {
      opsetVersion: 21,
      irVersion: 10,
      graphName: 'dequantize',
      inputs: [{ name: 'x', dataType: 'float', shape: [2, 8] }],
      outputs: [{ name: 'y', dataType: 'float', shape: [2, 3] }],
      initializers: g.initializers,
      nodes: g.nodes,
    };
    const bytes = encodeSpec(model);
    const x = new ort.Tensor('float32', Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)), [2, 8]);
    // Unoptimised: ONNX Runtime's graph fusions would quantize the activations of DequantizeLinear → MatMul.
    const original = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    const want = (await original.run({ x })).y.data as Float32Array;
    const upcast = upcastModel(bytes);
    expect(upcast.model.graph.nodes.map((node) => node.opType)).toEqual(['MatMul', 'MatMul', 'Add']);
    const session = await ort.InferenceSession.create(encodeOnnxModel(upcast.model));
    const got = (await session.run({ x })).y.data as Float32Array;
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    await Promise.all([original.release(), session.release()]);
  });

  it.each([
    ['4-bit, packed zero points, K not a multiple of the block', { bits: 4, zeroPoints: 'packed', K: 40 }],
    ['4-bit, default zero point', { bits: 4, zeroPoints: 'none', K: 32 }],
    ['8-bit, packed zero points', { bits: 8, zeroPoints: 'packed', K: 48 }],
  ] as const)('MatMulNBits (%s) becomes MatMul of its dequantized weights, equal to ONNX Runtime\'s kernel', async (_, { bits, zeroPoints, K }) => {
    const N = 6;
    const blockSize = 16;
    const blocks = Math.ceil(K / blockSize);
    const blob = (blockSize * bits) / 8;
    const g = new GraphBuilder();
    g.constant('b', 'uint8', [N, blocks, blob], Array.from({ length: N * blocks * blob }, (_, i) => (i * 97 + 13) % 256));
    g.constant('scales', 'float', [N * blocks], Array.from({ length: N * blocks }, (_, i) => 0.01 + 0.003 * i));
    const zeroRow = Math.ceil((blocks * bits) / 8);
    if (zeroPoints === 'packed') g.constant('zp', 'uint8', [N * zeroRow], Array.from({ length: N * zeroRow }, (_, i) => (i * 53 + 7) % 256));
    const inputs = ['x', 'b', 'scales', ...(zeroPoints === 'packed' ? ['zp'] : [])];
    const int = (value: number) => ({ kind: 'int' as const, value });
    const node = g.one('MatMulNBits', inputs, { K: int(K), N: int(N), bits: int(bits), block_size: int(blockSize) }, 'y');
    const spec: OnnxModelSpec = {
      opsetVersion: 17,
      graphName: 'nbits',
      inputs: [{ name: 'x', dataType: 'float', shape: [3, K] }],
      outputs: [{ name: node, dataType: 'float', shape: [3, N] }],
      initializers: g.initializers,
      nodes: g.nodes,
    };
    // The spec writer knows ai.onnx only: the contrib domain is set on the decoded model.
    const decoded = decodeOnnxModel(encodeSpec(spec));
    const contrib: IrModel = {
      ...decoded,
      opsetImports: { ...decoded.opsetImports, 'com.microsoft': 1 },
      graph: { ...decoded.graph, nodes: decoded.graph.nodes.map((n) => ({ ...n, domain: 'com.microsoft' })) },
    };
    const bytes = encodeOnnxModel(contrib);
    const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * K }, (_, i) => Math.cos(i * 0.7)), [3, K]);
    const original = await ort.InferenceSession.create(bytes);
    const want = (await original.run({ x })).y.data as Float32Array;
    const upcast = upcastModel(bytes);
    expect(upcast.model.graph.nodes.map((n) => n.opType)).toEqual(['MatMul']);
    const session = await ort.InferenceSession.create(encodeOnnxModel(upcast.model), { externalData: upcast.externalData });
    const got = (await session.run({ x })).y.data as Float32Array;
    const scale = Math.max(...Array.from(want, Math.abs));
    expect(scale).toBeGreaterThan(0);
    expect(maxAbsDiff(got, want) / scale).toBeLessThan(1e-5);
    await Promise.all([original.release(), session.release()]);
  });

  it('refuses a MatMulInteger whose activation is not dynamically quantized, naming the node', () => {
    const g = new GraphBuilder();
    g.constant('w', 'uint8', [2, 2], [1, 2, 3, 4]);
    g.one('MatMulInteger', ['x', 'w'], undefined, 'y');
    const model: OnnxModelSpec = {
      opsetVersion: 17,
      graphName: 'integer',
      inputs: [{ name: 'x', dataType: 'uint8', shape: [1, 2] }],
      outputs: [{ name: 'y', dataType: 'int32', shape: [1, 2] }],
      initializers: g.initializers,
      nodes: g.nodes,
    };
    expect(() => upcastModel(encodeSpec(model))).toThrow(/MatMulInteger node '.*' cannot be turned into one: its activation 'x' does not come from a DynamicQuantizeLinear/);
  });
});
