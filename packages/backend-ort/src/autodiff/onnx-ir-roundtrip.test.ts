import { ModelLoadError, ProtobufWriter } from '@inseq/core';
import { tinyGpt2MergedOnnxFiles, tinyGpt2OnnxFiles, tinyGpt2TorchOnnxFiles, tinyLlamaOnnxFiles, tinyMarianOnnxFiles } from '@inseq/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel } from './decode-onnx-model';
import { encodeOnnxModel } from './encode-onnx-model';
import { type IrModel, type IrNode, ONNX_DTYPE } from './onnx-ir';

const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'disabled' };

// Symbolic dimensions of the tiny exports; `a + b` sums.
const dimSizes: Readonly<Record<string, number>> = {
  batch_size: 2,
  sequence_length: 3,
  decoder_sequence_length: 3,
  encoder_sequence_length: 4,
  past_sequence_length: 2,
  past_decoder_sequence_length: 2,
};

function dimSize(dim: number | string | undefined): number {
  if (typeof dim === 'number') return dim;
  if (dim === undefined) throw new Error('unknown dimension');
  return dim.split('+').reduce((total, part) => total + (dimSizes[part.trim()] ?? Number.NaN), 0);
}

/** Deterministic inputs for every graph input of `model`; `useCache` picks the merged decoders' branch. */
function feedsOf(model: IrModel, useCache: boolean): Record<string, ort.Tensor> {
  const hasPast = model.graph.inputs.some((input) => input.name.startsWith('past_key_values'));
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of model.graph.inputs) {
    let dims = (input.shape ?? []).map(dimSize);
    // The merged GPT-2 names its mask's length `sequence_length`; with the cache it spans the past too.
    if (input.name === 'attention_mask' && hasPast && useCache) dims = [dims[0], dimSizes.past_sequence_length + dimSizes.sequence_length];
    const count = dims.reduce((product, dim) => product * dim, 1);
    if (input.dataType === ONNX_DTYPE.int64) {
      const values = Array.from({ length: count }, (_, i) =>
        input.name.includes('mask') ? 1n : input.name === 'position_ids' ? BigInt(i % dims[dims.length - 1]) : BigInt((i * 7 + 3) % 50),
      );
      feeds[input.name] = new ort.Tensor('int64', BigInt64Array.from(values), dims);
    } else if (input.dataType === ONNX_DTYPE.float) {
      feeds[input.name] = new ort.Tensor('float32', Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37 + input.name.length)), dims);
    } else if (input.dataType === ONNX_DTYPE.bool) {
      feeds[input.name] = new ort.Tensor('bool', Uint8Array.from({ length: count }, () => (useCache ? 1 : 0)), dims);
    } else {
      throw new Error(`no test input for ${input.name} of data type ${input.dataType}`);
    }
  }
  return feeds;
}

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, options: ort.InferenceSession.SessionOptions = {}): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { ...sessionOptions, ...options });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function expectSameOutputs(actual: Record<string, ort.Tensor>, expected: Record<string, ort.Tensor>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, tensor] of Object.entries(expected)) {
    expect(actual[name].dims, name).toEqual(tensor.dims);
    expect(actual[name].type, name).toBe(tensor.type);
    expect(actual[name].data, name).toEqual(tensor.data);
  }
}

const cases: readonly { name: string; bytes: () => Uint8Array; branches?: readonly boolean[] }[] = [
  { name: 'GPT-2', bytes: () => tinyGpt2OnnxFiles()['onnx/model.onnx'] },
  { name: 'GPT-2 with a KV cache', bytes: () => tinyGpt2OnnxFiles({ withPast: true })['onnx/model.onnx'] },
  { name: 'GPT-2 with attentions', bytes: () => tinyGpt2OnnxFiles({ outputAttentions: true })['onnx/model.onnx'] },
  { name: 'GPT-2 fp16', bytes: () => tinyGpt2OnnxFiles({ onnxDtypes: ['fp16'] })['onnx/model_fp16.onnx'] },
  { name: 'GPT-2 q8', bytes: () => tinyGpt2OnnxFiles({ onnxDtypes: ['q8'] })['onnx/model_quantized.onnx'] },
  { name: 'GPT-2 as torch exports it', bytes: () => tinyGpt2TorchOnnxFiles()['model.onnx'] },
  { name: 'GPT-2 merged decoder (If)', bytes: () => tinyGpt2MergedOnnxFiles()['onnx/decoder_model_merged.onnx'], branches: [false, true] },
  { name: 'Llama with a KV cache', bytes: () => tinyLlamaOnnxFiles({ withPast: true })['onnx/model.onnx'] },
  { name: 'Marian encoder', bytes: () => tinyMarianOnnxFiles()['onnx/encoder_model.onnx'] },
  { name: 'Marian decoder', bytes: () => tinyMarianOnnxFiles()['onnx/decoder_model.onnx'] },
  { name: 'Marian decoder with past', bytes: () => tinyMarianOnnxFiles({ withPast: true })['onnx/decoder_with_past_model.onnx'] },
  { name: 'Marian merged decoder (If)', bytes: () => tinyMarianOnnxFiles({ merged: 'if' })['onnx/decoder_model_merged.onnx'], branches: [false, true] },
];

describe('decodeOnnxModel / encodeOnnxModel round trip', () => {
  for (const { name, bytes, branches = [false] } of cases) {
    it(`${name}: the re-encoded model gives the same outputs, and re-decodes to the same IR`, async () => {
      const original = bytes();
      const model = decodeOnnxModel(original);
      const encoded = encodeOnnxModel(model);
      const again = decodeOnnxModel(encoded);
      expect(again).toEqual(model);
      // A fixpoint: encoding the re-decoded model gives the same bytes.
      expect(encodeOnnxModel(again)).toEqual(encoded);
      for (const useCache of branches) {
        const feeds = feedsOf(model, useCache);
        expectSameOutputs(await run(encoded, feeds), await run(original, feeds));
      }
    });
  }

  it('decodes subgraphs of an If and negative int attributes', () => {
    const model = decodeOnnxModel(tinyGpt2MergedOnnxFiles()['onnx/decoder_model_merged.onnx']);
    const [ifNode] = model.graph.nodes;
    expect(ifNode.opType).toBe('If');
    const branches = [ifNode.attributes.then_branch, ifNode.attributes.else_branch];
    for (const branch of branches) {
      expect(branch.kind).toBe('graph');
      if (branch.kind !== 'graph') continue;
      expect(branch.value.nodes.length).toBeGreaterThan(10);
      expect(branch.value.outputs.map((output) => output.name).length).toBe(model.graph.outputs.length);
    }
    const negatives = allNodes(model).flatMap((node) =>
      Object.values(node.attributes).flatMap((attribute) => (attribute.kind === 'int' ? [attribute.value] : attribute.kind === 'ints' ? attribute.value : [])),
    ).filter((value) => value < 0);
    expect(negatives.length).toBeGreaterThan(0);
    expect(negatives).toContain(-1);
  });

  it('keeps the original initializer bytes verbatim, as views of the input', () => {
    const original = tinyGpt2OnnxFiles()['onnx/model.onnx'];
    const model = decodeOnnxModel(original);
    expect(model.graph.initializers.length).toBeGreaterThan(5);
    for (const initializer of model.graph.initializers) {
      if (!('proto' in initializer)) throw new Error('expected original bytes');
      expect(initializer.proto.buffer).toBe(original.buffer);
      expect(initializer.name).not.toBe('');
    }
    expect(model).toMatchObject({ irVersion: 8, opsetImports: { '': 17 }, producerName: '@inseq/testing' });
  });
});

function allNodes(model: IrModel): IrNode[] {
  const out: IrNode[] = [];
  const visit = (nodes: readonly IrNode[]) => {
    for (const node of nodes) {
      out.push(node);
      for (const attribute of Object.values(node.attributes)) if (attribute.kind === 'graph') visit(attribute.value.nodes);
    }
  };
  visit(model.graph.nodes);
  return out;
}

const floatBytes = (values: readonly number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('editing a decoded model', () => {
  it('runs new nodes, outputs, initializers and constants, with negative int and float attributes', async () => {
    const original = tinyGpt2OnnxFiles()['onnx/model.onnx'];
    const model = decodeOnnxModel(original);
    const logits = model.graph.outputs.find((output) => output.name === 'logits');
    if (!logits) throw new Error('no logits output');
    const shape = logits.shape;
    const added: IrNode[] = [
      { opType: 'Identity', name: 'copy_logits', inputs: ['logits'], outputs: ['logits_copy'], attributes: {} },
      { opType: 'Softmax', name: 'probs', inputs: ['logits'], outputs: ['probs'], attributes: { axis: { kind: 'int', value: -1 } } },
      { opType: 'LeakyRelu', name: 'leaky', inputs: ['logits'], outputs: ['leaky'], attributes: { alpha: { kind: 'float', value: 0.1 } } },
      { opType: 'Mul', name: 'scaled', inputs: ['logits', 'two'], outputs: ['scaled'], attributes: {} },
      {
        opType: 'Constant',
        name: 'three_const',
        inputs: [],
        outputs: ['three'],
        attributes: { value: { kind: 'tensor', value: { name: 'three_value', dataType: ONNX_DTYPE.float, dims: [], raw: floatBytes([3]) } } },
      },
      { opType: 'Add', name: 'shifted', inputs: ['logits', 'three'], outputs: ['shifted'], attributes: {} },
      { opType: 'ReduceSum', name: 'sum_last', inputs: ['probs', 'minus_one'], outputs: ['prob_sums'], attributes: { keepdims: { kind: 'int', value: 0 } } },
    ];
    const edited: IrModel = {
      ...model,
      graph: {
        ...model.graph,
        nodes: [...model.graph.nodes, ...added],
        initializers: [
          ...model.graph.initializers,
          { name: 'two', tensor: { name: 'two', dataType: ONNX_DTYPE.float, dims: [1], raw: floatBytes([2]) } },
          { name: 'minus_one', tensor: { name: 'minus_one', dataType: ONNX_DTYPE.int64, dims: [1], raw: new Uint8Array(BigInt64Array.of(-1n).buffer) } },
        ],
        outputs: [
          ...model.graph.outputs,
          ...['logits_copy', 'probs', 'leaky', 'scaled', 'shifted'].map((name) => ({ name, dataType: ONNX_DTYPE.float, shape })),
          { name: 'prob_sums', dataType: ONNX_DTYPE.float, shape: shape?.slice(0, 2) },
        ],
      },
    };
    const bytes = encodeOnnxModel(edited);
    const redecoded = decodeOnnxModel(bytes);
    const probs = redecoded.graph.nodes.find((node) => node.name === 'probs');
    const leaky = redecoded.graph.nodes.find((node) => node.name === 'leaky');
    expect(probs?.attributes.axis).toEqual({ kind: 'int', value: -1 });
    expect(leaky?.attributes.alpha).toEqual({ kind: 'float', value: Math.fround(0.1) });
    expect(redecoded.graph.initializers.slice(-2).map((initializer) => initializer.name)).toEqual(['two', 'minus_one']);

    const feeds = feedsOf(model, false);
    const outputs = await run(bytes, feeds);
    const reference = await run(original, feeds);
    const x = reference.logits.data as Float32Array;
    expect(outputs.logits.data).toEqual(x);
    expect(outputs.logits_copy.data).toEqual(x);
    expect(outputs.scaled.data).toEqual(x.map((value) => value * 2));
    expect(outputs.shifted.data).toEqual(x.map((value) => value + 3));
    expect(outputs.leaky.data).toEqual(x.map((value) => (value >= 0 ? value : Math.fround(value * Math.fround(0.1)))));
    const sums = outputs.prob_sums.data as Float32Array;
    expect(outputs.prob_sums.dims).toEqual(reference.logits.dims.slice(0, 2));
    for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
  });

  it('renames an original initializer by its IR name, and keeps its data', async () => {
    const original = tinyGpt2OnnxFiles()['onnx/model.onnx'];
    const model = decodeOnnxModel(original);
    const [first] = model.graph.initializers;
    const renamed = `${first.name}_renamed`;
    const rename = (name: string) => (name === first.name ? renamed : name);
    const edited: IrModel = {
      ...model,
      graph: {
        ...model.graph,
        initializers: [{ ...first, name: renamed }, ...model.graph.initializers.slice(1)],
        nodes: model.graph.nodes.map((node) => ({ ...node, inputs: node.inputs.map(rename) })),
      },
    };
    const bytes = encodeOnnxModel(edited);
    expect(decodeOnnxModel(bytes).graph.initializers[0].name).toBe(renamed);
    const feeds = feedsOf(model, false);
    expectSameOutputs(await run(bytes, feeds), await run(original, feeds));
  });

  it('writes int64 attributes at the edges of the range as INT64_MAX / INT64_MIN', () => {
    const model = decodeOnnxModel(tinyGpt2OnnxFiles()['onnx/model.onnx']);
    const node: IrNode = {
      opType: 'Identity',
      name: 'edges',
      inputs: ['logits'],
      outputs: ['edges_out'],
      attributes: { edges: { kind: 'ints', value: [2 ** 63, -(2 ** 63), -1, 2 ** 53 - 1, -(2 ** 53 - 1), 0] }, big: { kind: 'int', value: 2 ** 63 } },
    };
    const bytes = encodeOnnxModel({ ...model, graph: { ...model.graph, nodes: [...model.graph.nodes, node] } });
    const decoded = decodeOnnxModel(bytes).graph.nodes.at(-1);
    expect(decoded?.attributes.edges).toEqual({ kind: 'ints', value: [2 ** 63, -(2 ** 63), -1, 2 ** 53 - 1, -(2 ** 53 - 1), 0] });
    expect(decoded?.attributes.big).toEqual({ kind: 'int', value: 2 ** 63 });
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    // INT64_MAX as a 9-byte varint, INT64_MIN as a 10-byte one.
    expect(hex).toContain('ff ff ff ff ff ff ff ff 7f 80 80 80 80 80 80 80 80 80 01');
  });

  it('rejects a non-integer int attribute and a tensor whose bytes do not match its dims', () => {
    const model = decodeOnnxModel(tinyGpt2OnnxFiles()['onnx/model.onnx']);
    const withNode = (node: IrNode) => ({ ...model, graph: { ...model.graph, nodes: [...model.graph.nodes, node] } });
    expect(() => encodeOnnxModel(withNode({ opType: 'Softmax', name: 's', inputs: ['logits'], outputs: ['y'], attributes: { axis: { kind: 'int', value: 1.5 } } }))).toThrow(
      /Attribute 'axis' of Softmax node 's' must be an integer/,
    );
    const tensor = { name: 'bad', dataType: ONNX_DTYPE.float, dims: [2], raw: floatBytes([1]) };
    expect(() => encodeOnnxModel({ ...model, graph: { ...model.graph, initializers: [{ name: 'bad', tensor }] } })).toThrow(/'bad' has 4 bytes of raw data but dims \[2\]/);
  });
});

function decodeError(bytes: Uint8Array): ModelLoadError {
  try {
    decodeOnnxModel(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelLoadError);
    return error as ModelLoadError;
  }
  throw new Error('expected decodeOnnxModel to throw');
}

describe('decodeOnnxModel on malformed bytes', () => {
  it('says what is wrong, with code INVALID_FILE', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /empty/],
      [new TextEncoder().encode('this is not an ONNX model'), /unsupported wire type \d .* of ModelProto/],
      [new ProtobufWriter().int(1, 8).string(2, 'x').finish(), /no graph \(ModelProto\.graph, field 7\)/],
      [Uint8Array.of(0x08, 0x80), /truncated varint at byte 1 of ModelProto/],
      [new ProtobufWriter().int(7, 3).finish(), /field 7 of ModelProto has wire type 0, expected 2/],
      [new ProtobufWriter().message(7, (graph) => graph.message(1, (node) => node.string(1, 'x'))).finish(), /node 0 of the main graph has no op_type/],
    ];
    for (const [bytes, message] of cases) {
      const error = decodeError(bytes);
      expect(error.code).toBe('INVALID_FILE');
      expect(error.message).toMatch(/^Malformed ONNX model: /);
      expect(error.message).toMatch(message);
    }
  });

  it('names the part that runs past the end of a truncated file', () => {
    const original = tinyGpt2OnnxFiles()['onnx/model.onnx'];
    const error = decodeError(original.subarray(0, Math.floor(original.length / 2)));
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toMatch(/field 7 of ModelProto at byte \d+ runs past the end/);
  });

  it('refuses attribute kinds the IR does not hold, naming the node', () => {
    const bytes = new ProtobufWriter()
      .int(1, 8)
      .message(7, (graph) =>
        graph.message(1, (node) =>
          node.string(4, 'Custom').string(3, 'n0').message(5, (attribute) => attribute.string(1, 'bodies').message(11, () => {}).int(20, 10)),
        ),
      )
      .finish();
    const error = decodeError(bytes);
    expect(error.code).toBe('UNSUPPORTED_MODEL');
    expect(error.message).toMatch(/attribute 'bodies' of Custom node 'n0' of the main graph is of kind GRAPHS/);
  });
});

describe('external data', () => {
  it('keeps external initializers pointing to their side file; the re-encoded model runs with the same data', async () => {
    const files = tinyGpt2OnnxFiles({ externalData: true });
    const original = files['onnx/model.onnx'];
    const data = files['onnx/model.onnx_data'];
    expect(data.length).toBeGreaterThan(0);
    const encoded = encodeOnnxModel(decodeOnnxModel(original));
    const options = { externalData: [{ path: 'model.onnx_data', data }] };
    const feeds = feedsOf(decodeOnnxModel(original), false);
    expectSameOutputs(await run(encoded, feeds, options), await run(original, feeds, options));
  });
});
