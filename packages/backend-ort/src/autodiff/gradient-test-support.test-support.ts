/**
 * Test support for the gradient rules: a minimal `ModelProto` writer for the autodiff IR (double
 * tensors, contrib domains, the builder's raw initializers), and a check of a gradient graph run
 * in onnxruntime-node against central finite differences of the forward graph.
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { buildGradientGraph } from './gradient-builder';
import { ONNX_DTYPE, type IrAttribute, type IrGraph, type IrInitializer, type IrNode, type IrTensor, type IrValueInfo } from './onnx-ir';

class Writer {
  private readonly chunks: number[] = [];
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.chunks.push(byte);
    } while (v !== 0n);
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  int(field: number, value: number | bigint): void {
    this.tag(field, 0);
    this.varint(value);
  }
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    for (const byte of value) this.chunks.push(byte);
  }
  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }
  float(field: number, value: number): void {
    this.tag(field, 5);
    for (const byte of new Uint8Array(Float32Array.of(value).buffer)) this.chunks.push(byte);
  }
  message(field: number, write: (writer: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function writeTensor(w: Writer, tensor: IrTensor): void {
  for (const dim of tensor.dims) w.int(1, dim);
  w.int(2, tensor.dataType);
  w.string(8, tensor.name);
  w.bytes(9, tensor.raw);
}

function writeAttribute(w: Writer, name: string, attribute: IrAttribute): void {
  w.string(1, name);
  switch (attribute.kind) {
    case 'float':
      w.float(2, attribute.value);
      w.int(20, 1);
      break;
    case 'int':
      w.int(3, attribute.value);
      w.int(20, 2);
      break;
    case 'string':
      w.string(4, attribute.value);
      w.int(20, 3);
      break;
    case 'tensor': {
      const value = attribute.value;
      if ('proto' in value) w.bytes(5, value.proto);
      else w.message(5, (t) => writeTensor(t, value));
      w.int(20, 4);
      break;
    }
    case 'graph': {
      const value = attribute.value;
      w.message(6, (g) => writeGraph(g, value));
      w.int(20, 5);
      break;
    }
    case 'floats':
      for (const value of attribute.value) w.float(7, value);
      w.int(20, 6);
      break;
    case 'ints':
      for (const value of attribute.value) w.int(8, value);
      w.int(20, 7);
      break;
    case 'strings':
      for (const value of attribute.value) w.string(9, value);
      w.int(20, 8);
      break;
  }
}

function writeValueInfo(w: Writer, info: IrValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, info.dataType);
      const shape = info.shape;
      if (shape !== undefined)
        tensorType.message(2, (shapeProto) => {
          for (const dim of shape)
            shapeProto.message(1, (d) => {
              if (typeof dim === 'number') d.int(1, dim);
              else if (typeof dim === 'string') d.string(2, dim);
            });
        });
    }),
  );
}

function writeInitializer(w: Writer, initializer: IrInitializer): void {
  if ('proto' in initializer) w.bytes(5, initializer.proto);
  else w.message(5, (t) => writeTensor(t, initializer.tensor));
}

function writeGraph(w: Writer, graph: IrGraph): void {
  for (const node of graph.nodes)
    w.message(1, (n) => {
      for (const input of node.inputs) n.string(1, input);
      for (const output of node.outputs) n.string(2, output);
      n.string(3, node.name);
      n.string(4, node.opType);
      for (const [name, attribute] of Object.entries(node.attributes)) n.message(5, (a) => writeAttribute(a, name, attribute));
      if (node.domain) n.string(7, node.domain);
    });
  w.string(2, graph.name);
  for (const initializer of graph.initializers) writeInitializer(w, initializer);
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
  for (const info of graph.valueInfo) w.message(13, (v) => writeValueInfo(v, info));
}

/** Serializes an IR graph as a model importing ai.onnx at `opsetVersion` and com.microsoft 1. */
export function encodeIrModel(graph: IrGraph, opsetVersion: number): Uint8Array {
  const w = new Writer();
  w.int(1, opsetVersion >= 21 ? 10 : 8);
  w.string(2, 'inseq-gradient-tests');
  w.message(7, (g) => writeGraph(g, graph));
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, opsetVersion);
  });
  w.message(8, (o) => {
    o.string(1, 'com.microsoft');
    o.int(2, 1);
  });
  return w.finish();
}

type TestType = 'float' | 'double' | 'int64' | 'bool';
const typeCode: Record<TestType, number> = { float: ONNX_DTYPE.float, double: ONNX_DTYPE.double, int64: ONNX_DTYPE.int64, bool: ONNX_DTYPE.bool };

/** A graph input (fed) or constant initializer of a test graph. */
export interface TestValue {
  name: string;
  type: TestType;
  dims: number[];
  data: readonly number[];
}

let nodeCounter = 0;
/** A node with a generated name. */
export function irNode(opType: string, inputs: string[], outputs: string[], attributes: Record<string, IrAttribute> = {}, domain?: string): IrNode {
  return { opType, name: `${opType}_${nodeCounter++}`, inputs, outputs, attributes, ...(domain ? { domain } : {}) };
}

/** Deterministic pseudo-random values in [lo, hi). */
export function randomValues(count: number, seed: number, lo = -1, hi = 1): number[] {
  let state = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return lo + ((state >>> 8) / 2 ** 24) * (hi - lo);
  });
}

function rawOf(value: TestValue): Uint8Array {
  switch (value.type) {
    case 'float':
      return new Uint8Array(Float32Array.from(value.data).buffer);
    case 'double':
      return new Uint8Array(Float64Array.from(value.data).buffer);
    case 'int64':
      return new Uint8Array(BigInt64Array.from(value.data, (v) => BigInt(v)).buffer);
    case 'bool':
      return Uint8Array.from(value.data, (v) => (v ? 1 : 0));
  }
}

function ortTensor(value: TestValue): ort.Tensor {
  switch (value.type) {
    case 'float':
      return new ort.Tensor('float32', Float32Array.from(value.data), value.dims);
    case 'double':
      return new ort.Tensor('float64', Float64Array.from(value.data), value.dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(value.data, (v) => BigInt(v)), value.dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(value.data, (v) => (v ? 1 : 0)), value.dims);
  }
}

/** One gradient check: a forward graph and what to differentiate. */
export interface GradientCase {
  nodes: IrNode[];
  inputs: TestValue[];
  constants?: TestValue[];
  /** Initializers already in IR form (e.g. a converted model's weights). */
  initializers?: IrInitializer[];
  /** The differentiated output (float or double, like the wrt inputs). */
  output: string;
  wrt: string[];
  opsetVersion?: number;
  /** Finite-difference step. @defaultValue 1e-6 for double, 1e-2 for float */
  step?: number;
  /**
   * Declare the inputs' shapes in the graph (so the builder knows them and reduces broadcast
   * gradients over constant axes); `false` leaves them undeclared (reductions found at run time).
   * @defaultValue true
   */
  declareShapes?: boolean;
}

/** Per wrt: analytic (from ORT running the gradient graph) and numeric gradients, and the largest error `|a - n| / max(1, |n|)`. */
export interface GradientCheck {
  analytic: Record<string, number[]>;
  numeric: Record<string, number[]>;
  maxError: number;
  gradientNodes: IrNode[];
}

function graphOf(testCase: GradientCase, outputs: IrValueInfo[], extraNodes: IrNode[] = [], extraInputs: IrValueInfo[] = [], extraInitializers: IrInitializer[] = []): IrGraph {
  return {
    name: 'gradient-test',
    nodes: [...testCase.nodes, ...extraNodes],
    inputs: [...testCase.inputs.map((v) => ({ name: v.name, dataType: typeCode[v.type], ...(testCase.declareShapes !== false && { shape: v.dims }) })), ...extraInputs],
    outputs,
    initializers: [
      ...(testCase.constants ?? []).map((c): IrInitializer => ({ name: c.name, tensor: { name: c.name, dataType: typeCode[c.type], dims: c.dims, raw: rawOf(c) } })),
      ...(testCase.initializers ?? []),
      ...extraInitializers,
    ],
    valueInfo: [],
  };
}

const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'disabled' };

/**
 * Builds the gradient graph of `sum(seed · output)` (seed random), runs it in onnxruntime-node, and
 * compares each wrt's gradient with central finite differences of the forward graph in ORT.
 */
export async function checkGradient(testCase: GradientCase): Promise<GradientCheck> {
  const opsetVersion = testCase.opsetVersion ?? 17;
  const floatInput = testCase.inputs.find((v) => v.name === testCase.wrt[0]);
  const type = floatInput?.type === 'double' ? 'double' : 'float';
  const dataType = typeCode[type];
  const forwardGraph = graphOf(testCase, [{ name: testCase.output, dataType }]);
  const forward = await ort.InferenceSession.create(encodeIrModel(forwardGraph, opsetVersion), sessionOptions);
  const feeds = (values: TestValue[]) => Object.fromEntries(values.map((v) => [v.name, ortTensor(v)]));
  const base = (await forward.run(feeds(testCase.inputs)))[testCase.output] as ort.Tensor;
  const outputDims = [...base.dims];
  const seedValues = randomValues(base.size, 7, 0.5, 1.5);

  const built = buildGradientGraph(forwardGraph, { output: testCase.output, seed: 'seed', wrt: testCase.wrt, opsetVersion });
  const gradientGraph = graphOf(
    testCase,
    testCase.wrt.map((name) => ({ name: built.gradients[name] as string, dataType })),
    built.nodes,
    [{ name: 'seed', dataType, shape: outputDims }],
    built.initializers,
  );
  const backward = await ort.InferenceSession.create(encodeIrModel(gradientGraph, opsetVersion), sessionOptions);
  const seed: TestValue = { name: 'seed', type, dims: outputDims, data: seedValues };
  const results = await backward.run(feeds([...testCase.inputs, seed]));

  const objective = async (inputs: TestValue[]): Promise<number> => {
    const y = (await forward.run(feeds(inputs)))[testCase.output] as ort.Tensor;
    const data = y.data as Float32Array | Float64Array;
    let total = 0;
    for (let i = 0; i < data.length; i++) total += (data[i] as number) * (seedValues[i] as number);
    return total;
  };
  const step = testCase.step ?? (type === 'double' ? 1e-6 : 1e-2);
  const analytic: Record<string, number[]> = {};
  const numeric: Record<string, number[]> = {};
  let maxError = 0;
  for (const name of testCase.wrt) {
    const index = testCase.inputs.findIndex((v) => v.name === name);
    const original = testCase.inputs[index] as TestValue;
    const result = results[built.gradients[name] as string] as ort.Tensor;
    if (result.dims.join(',') !== original.dims.join(',')) {
      throw new Error(`Gradient of '${name}' has shape [${result.dims.join(', ')}], expected [${original.dims.join(', ')}].`);
    }
    analytic[name] = Array.from(result.data as Float32Array | Float64Array);
    numeric[name] = [];
    for (let i = 0; i < original.data.length; i++) {
      const shifted = (delta: number): TestValue[] =>
        testCase.inputs.map((v, j) => (j === index ? { ...v, data: v.data.map((x, k) => (k === i ? x + delta : x)) } : v));
      const n = ((await objective(shifted(step))) - (await objective(shifted(-step)))) / (2 * step);
      numeric[name].push(n);
      const a = analytic[name][i] as number;
      maxError = Math.max(maxError, Number.isNaN(a) ? Number.POSITIVE_INFINITY : Math.abs(a - n) / Math.max(1, Math.abs(n)));
    }
  }
  await forward.release();
  await backward.release();
  return { analytic, numeric, maxError, gradientNodes: built.nodes };
}


/** A random test input (double unless told). */
export function testInput(name: string, dims: number[], seed: number, lo = -1, hi = 1, type: 'double' | 'float' = 'double'): TestValue {
  return { name, type, dims, data: randomValues(dims.reduce((a, b) => a * b, 1), seed, lo, hi) };
}

/** Checks a case, logs its largest error, and expects it under `tolerance`. */
export async function expectGradient(testCase: GradientCase, tolerance = 1e-6): Promise<GradientCheck> {
  const check = await checkGradient(testCase);
  const ops = testCase.nodes.length > 12 ? `${testCase.nodes.length} forward nodes` : testCase.nodes.map((n) => n.opType).join(' → ');
  console.info(`max error ${check.maxError.toExponential(2)}: ${ops}`);
  expect(check.maxError).toBeLessThan(tolerance);
  return check;
}
