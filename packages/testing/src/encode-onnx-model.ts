import { InvalidInputError, ProtobufWriter, float32ToFloat16Bits } from '@inseq/core';
import {
  type OnnxAttributeValue,
  type OnnxGraphSpec,
  type OnnxModelSpec,
  type OnnxNodeSpec,
  type OnnxTensorSpec,
  type OnnxValueInfoSpec,
  onnxDataType,
} from './onnx-model-spec';

// Field numbers and enum values below are those of the public onnx.proto.
const attributeType = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7 } as const;

/** Little-endian `raw_data` of a tensor, checked against its shape. */
export function rawData(tensor: OnnxTensorSpec): Uint8Array {
  const count = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (tensor.data.length !== count) {
    throw new InvalidInputError(
      `ONNX tensor '${tensor.name}' has ${tensor.data.length} values but dims [${tensor.dims.join(', ')}] need ${count}.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const { data } = tensor;
  switch (tensor.dataType) {
    case 'float': {
      const bytes = new Uint8Array(count * 4);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < count; i++) view.setFloat32(i * 4, Number(data[i]), true);
      return bytes;
    }
    case 'int32': {
      const bytes = new Uint8Array(count * 4);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < count; i++) view.setInt32(i * 4, Number(data[i]), true);
      return bytes;
    }
    case 'int64': {
      const bytes = new Uint8Array(count * 8);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < count; i++) view.setBigInt64(i * 8, BigInt(data[i] as number | bigint), true);
      return bytes;
    }
    case 'float16': {
      const bits = float32ToFloat16Bits(Array.from({ length: count }, (_, i) => Number(data[i])));
      const bytes = new Uint8Array(count * 2);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < count; i++) view.setUint16(i * 2, bits[i], true);
      return bytes;
    }
    case 'uint8':
      return Uint8Array.from({ length: count }, (_, i) => Number(data[i]));
    case 'int8':
      return new Uint8Array(Int8Array.from({ length: count }, (_, i) => Number(data[i])).buffer);
    case 'bool':
      return Uint8Array.from({ length: count }, (_, i) => (data[i] ? 1 : 0));
  }
}

/** Where one initializer's bytes went in the external data file (`TensorProto.external_data`). */
export interface ExternalPlacement {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

function writeTensor(writer: ProtobufWriter, tensor: OnnxTensorSpec, external?: ExternalPlacement): void {
  writer.packedVarints(1, tensor.dims).int(2, onnxDataType[tensor.dataType]).string(8, tensor.name);
  if (!external) {
    writer.bytes(9, rawData(tensor));
    return;
  }
  // external_data = 13 (StringStringEntryProto key = 1, value = 2), data_location = 14 (EXTERNAL = 1).
  const entries: [string, string][] = [
    ['location', external.location],
    ['offset', String(external.offset)],
    ['length', String(external.length)],
  ];
  for (const [key, value] of entries) writer.message(13, (entry) => entry.string(1, key).string(2, value));
  writer.int(14, 1);
}

function writeValueInfo(writer: ProtobufWriter, info: OnnxValueInfoSpec): void {
  writer.string(1, info.name).message(2, (type) =>
    type.message(1, (tensorType) =>
      tensorType.int(1, onnxDataType[info.dataType]).message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (dimension) => (typeof dim === 'number' ? dimension.int(1, dim) : dimension.string(2, dim)));
        }
      }),
    ),
  );
}

function writeAttribute(writer: ProtobufWriter, name: string, attribute: OnnxAttributeValue, placements: ReadonlyMap<string, ExternalPlacement>): void {
  writer.string(1, name);
  switch (attribute.kind) {
    case 'float':
      writer.float(2, attribute.value);
      break;
    case 'int':
      writer.int(3, attribute.value);
      break;
    case 'string':
      writer.string(4, attribute.value);
      break;
    case 'tensor':
      writer.message(5, (tensor) => writeTensor(tensor, attribute.value));
      break;
    case 'graph':
      writer.message(6, (graph) => writeGraph(graph, attribute.value, placements));
      break;
    case 'floats':
      writer.packedFloats(7, attribute.value);
      break;
    case 'ints':
      writer.packedVarints(8, attribute.value);
      break;
  }
  writer.int(20, attributeType[attribute.kind]);
}

function writeNode(writer: ProtobufWriter, node: OnnxNodeSpec, placements: ReadonlyMap<string, ExternalPlacement>): void {
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  if (node.name !== undefined) writer.string(3, node.name);
  writer.string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) {
    writer.message(5, (inner) => writeAttribute(inner, name, attribute, placements));
  }
}

/** A `GraphProto` (the model's graph or a subgraph): node = 1, name = 2, initializer = 5, input = 11, output = 12. */
function writeGraph(graph: ProtobufWriter, spec: OnnxGraphSpec, placements: ReadonlyMap<string, ExternalPlacement>): void {
  for (const node of spec.nodes) graph.message(1, (inner) => writeNode(inner, node, placements));
  graph.string(2, spec.name);
  for (const tensor of spec.initializers) graph.message(5, (inner) => writeTensor(inner, tensor, placements.get(tensor.name)));
  for (const input of spec.inputs) graph.message(11, (inner) => writeValueInfo(inner, input));
  for (const output of spec.outputs) graph.message(12, (inner) => writeValueInfo(inner, output));
}

/** The `ModelProto` bytes, with the initializers named in `placements` stored as external data. */
export function encodeModel(model: OnnxModelSpec, placements: ReadonlyMap<string, ExternalPlacement>): Uint8Array {
  const writer = new ProtobufWriter();
  writer.int(1, model.irVersion ?? 8).string(2, model.producerName ?? '@inseq/testing');
  writer.message(7, (graph) => writeGraph(graph, { ...model, name: model.graphName }, placements));
  writer.message(8, (opset) => opset.string(1, '').int(2, model.opsetVersion));
  return writer.finish();
}

/**
 * Encodes an {@link OnnxModelSpec} as the bytes of an ONNX `ModelProto`, loadable by ONNX
 * Runtime (`InferenceSession.create(bytes)`) and by `onnx.load`. Initializers are stored inline
 * as little-endian `raw_data` (no external data, so the model must stay under protobuf's 2 GiB;
 * see {@link encodeOnnxModelWithExternalData}).
 * Nothing is checked beyond tensor sizes: op names, arities and topological order are the
 * caller's, and ONNX Runtime reports mistakes on load.
 *
 * @returns the serialized `ModelProto`.
 */
export function encodeOnnxModel(model: OnnxModelSpec): Uint8Array {
  return encodeModel(model, new Map());
}

/** Options of {@link encodeOnnxModelWithExternalData}. */
export interface OnnxExternalDataOptions {
  /**
   * Initializers of at least this many bytes go to the data file, smaller ones stay inline (onnx's
   * `convert_model_to_external_data` rule). @defaultValue 1024
   */
  sizeThreshold?: number;
  /** Each tensor starts at a multiple of this offset in the data file. @defaultValue 4096 (a page, as onnx aligns for mmap) */
  alignment?: number;
}

/**
 * Encodes a model as `onnx.save(..., save_as_external_data=True)` does: initializers of at least
 * `sizeThreshold` bytes are written to one data file and the model keeps, for each, a
 * `TensorProto` with `data_location = EXTERNAL` and `external_data` entries `location` (the data
 * file's name, relative to the model file), `offset` and `length`.
 *
 * @param location - the data file's name as the model records it, e.g. `model.onnx_data`.
 * @returns the model bytes and the data file's bytes.
 */
export function encodeOnnxModelWithExternalData(
  model: OnnxModelSpec,
  location: string,
  options: OnnxExternalDataOptions = {},
): { model: Uint8Array; data: Uint8Array } {
  const threshold = options.sizeThreshold ?? 1024;
  const alignment = options.alignment ?? 4096;
  const placements = new Map<string, ExternalPlacement>();
  const chunks: { offset: number; bytes: Uint8Array }[] = [];
  let size = 0;
  for (const tensor of model.initializers) {
    const bytes = rawData(tensor);
    if (bytes.length < threshold) continue;
    const offset = Math.ceil(size / alignment) * alignment;
    placements.set(tensor.name, { location, offset, length: bytes.length });
    chunks.push({ offset, bytes });
    size = offset + bytes.length;
  }
  const data = new Uint8Array(size);
  for (const chunk of chunks) data.set(chunk.bytes, chunk.offset);
  return { model: encodeModel(model, placements), data };
}
