import { ProtobufWriter, memoryModelFiles } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel } from '../../autodiff/decode-onnx-model';
import { ortSessionOpener } from '../../open-ort-session';
import type { OrtRuntime } from '../../ort-runtime';
import { findNonFiniteInitializers } from '../check-finite-initializers';
import { findEmbeddingTable } from '../find-embedding-table';
import { allOnnxNodes, readOnnxGraph } from '../read-onnx-graph';
import { type ExternalDataReader, onnxExternalDataFiles, onnxTensorFields, readOnnxTensor } from '../read-onnx-initializer';
import { applyByteEdits, byteEdits, endsInResultOrInseqError, fuzzParameters } from '@inseq/testing/fuzz';

// Property-based fuzzing of backend-ort's readers of untrusted ONNX files (the in-house protobuf walk, initializers,
// external data, the embedding table search, the non-finite weight scan; and the autodiff decoder): each run ends in
// a result or an InseqError. ONNX Runtime's own parser is not ours and is not fuzzed here.

const inline = tinyGpt2OnnxFiles({ nLayer: 1, merges: 20 });
const external = tinyGpt2OnnxFiles({ nLayer: 1, merges: 20, externalData: true });
const models = [inline['onnx/model.onnx'], external['onnx/model.onnx']];
const data = external['onnx/model.onnx_data'];

/** Reads external data from `file` as the opener does for bytes in memory. */
function memoryReader(file: Uint8Array | undefined): ExternalDataReader {
  return async (_location, offset, length) => {
    const end = length === undefined ? file?.length : offset + length;
    return file && end !== undefined && end <= file.length ? file.subarray(offset, end) : undefined;
  };
}

/** Every reader over one model's bytes, as a load runs them. */
async function readEverything(model: Uint8Array, dataFile: Uint8Array | undefined): Promise<void> {
  const readExternal = memoryReader(dataFile);
  await endsInResultOrInseqError(() => onnxExternalDataFiles(model));
  await endsInResultOrInseqError(() => decodeOnnxModel(model));
  await endsInResultOrInseqError(async () => {
    const graph = readOnnxGraph(model);
    for (const { node } of allOnnxNodes(graph)) expect(typeof node.opType).toBe('string');
    await findNonFiniteInitializers(graph, readExternal);
    for (const bytes of graph.initializers.values()) await readOnnxTensor(onnxTensorFields(bytes), readExternal);
    const table = findEmbeddingTable(graph, 32, 'fuzz/model.onnx');
    if (table.found) await table.read(readExternal);
  });
}

/** A TensorProto with hostile dims, type and external_data entries. */
const hostileTensor = fc
  .record({
    dims: fc.array(fc.oneof(fc.constantFrom(0, 1, 1e12, 2 ** 53, 2 ** 63, 2 ** 64 - 1), fc.integer({ min: 0, max: 64 })), { maxLength: 4 }),
    dataType: fc.constantFrom(1, 2, 3, 10, 11, 16, 7, 0, 999),
    raw: fc.option(fc.uint8Array({ maxLength: 64 })),
    external: fc.option(
      fc.record({
        location: fc.constantFrom('model.onnx_data', '../../etc/passwd', '/abs', '\x1b[2J', 'missing'),
        offset: fc.constantFrom('0', '8', '-4', '1e12', '99999999999999999999', 'abc', ''),
        length: fc.option(fc.constantFrom('0', '16', '4000000000000', '-1', 'x')),
      }),
    ),
  })
  .map(({ dims, dataType, raw, external: ext }) => {
    const writer = new ProtobufWriter().packedVarints(1, dims.map((dim) => BigInt(Math.min(dim, 2 ** 64 - 1)) & ((1n << 64n) - 1n))).int(2, dataType).string(8, 'hostile.weight');
    if (raw) writer.bytes(9, raw);
    if (ext) {
      writer.message(13, (entry) => entry.string(1, 'location').string(2, ext.location));
      writer.message(13, (entry) => entry.string(1, 'offset').string(2, ext.offset));
      const length = ext.length;
      if (length !== null) writer.message(13, (entry) => entry.string(1, 'length').string(2, length));
      writer.int(14, 1);
    }
    return writer.finish();
  });

/** A model whose graph holds `tensor` as an initializer gathered by input_ids, so the table search reads it. */
function modelWithInitializer(tensor: Uint8Array): Uint8Array {
  return new ProtobufWriter()
    .int(1, 8)
    .message(7, (graph) =>
      graph
        .message(1, (node) => node.string(1, 'hostile.weight').string(1, 'input_ids').string(2, 'embeds').string(4, 'Gather'))
        .bytes(5, tensor)
        .message(11, (input) => input.string(1, 'input_ids'))
        .message(12, (output) => output.string(1, 'embeds')),
    )
    .finish();
}

/** A graph nesting `depth` If nodes, each holding the next as its then_branch. */
function nestedIfs(depth: number): Uint8Array {
  let graph = new ProtobufWriter().message(1, (node) => node.string(4, 'Identity')).finish();
  for (let i = 0; i < depth; i++) {
    const inner = graph;
    graph = new ProtobufWriter().message(1, (node) => node.string(4, 'If').message(5, (attribute) => attribute.string(1, 'then_branch').int(20, 5).bytes(6, inner))).finish();
  }
  return new ProtobufWriter().int(1, 8).bytes(7, graph).finish();
}

describe('fuzz: ONNX readers', () => {
  it('mutated tiny GPT-2 exports (inline and external data) and random bytes', async () => {
    const input = fc.oneof(
      fc.tuple(fc.constantFrom(0, 1), byteEdits, fc.option(byteEdits)).map(([which, edits, dataEdits]) => ({
        model: applyByteEdits(models[which], edits),
        data: which === 1 ? (dataEdits ? applyByteEdits(data, dataEdits) : data) : undefined,
      })),
      fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 1 << 20 })).map(([which, cut]) => ({ model: models[which].slice(0, cut % models[which].length), data })),
      fc.uint8Array({ maxLength: 200 }).map((model) => ({ model, data: undefined })),
    );
    await fc.assert(fc.asyncProperty(input, ({ model, data: dataFile }) => readEverything(model, dataFile)), { ...fuzzParameters, numRuns: Math.ceil(fuzzParameters.numRuns / 3) });
  });

  it('initializers claiming 1e12 elements, negative or overflowing dims, bad external_data entries', async () => {
    await fc.assert(fc.asyncProperty(hostileTensor, (tensor) => readEverything(modelWithInitializer(tensor), data)), fuzzParameters);
  });

  it('subgraphs nested thousands deep are refused, not a stack overflow', async () => {
    const deep = nestedIfs(5000);
    await endsInResultOrInseqError(() => readOnnxGraph(deep));
    expect(() => readOnnxGraph(deep)).toThrow(/nested more than 64 deep/);
    await readEverything(deep, undefined);
    expect(() => readOnnxGraph(nestedIfs(10))).not.toThrow();
  });

  it('the session opener checks a hostile export before ONNX Runtime sees it', async () => {
    // A runtime that must never be reached: every case here is refused by the opener's own checks first.
    const runtime = { name: 'web', InferenceSession: { create: async () => { throw new Error('ONNX Runtime reached'); } } } as unknown as OrtRuntime;
    await fc.assert(
      fc.asyncProperty(hostileTensor, async (tensor) => {
        const files = memoryModelFiles({ 'onnx/model.onnx': modelWithInitializer(tensor), 'onnx/model.onnx_data': data });
        await endsInResultOrInseqError(() => ortSessionOpener(files, runtime, {})('onnx/model.onnx'));
      }),
      fuzzParameters,
    );
  });
});
