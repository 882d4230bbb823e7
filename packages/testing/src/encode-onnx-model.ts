import { InvalidInputError } from '@inseq/core';
import {
  type OnnxAttributeValue,
  type OnnxModelSpec,
  type OnnxNodeSpec,
  type OnnxTensorSpec,
  type OnnxValueInfoSpec,
  onnxDataType,
} from './onnx-model-spec';
import { ProtobufWriter } from './protobuf-writer';

// Field numbers and enum values below are those of the public onnx.proto.
const attributeType = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** Little-endian `raw_data` of a tensor, checked against its shape. */
function rawData(tensor: OnnxTensorSpec): Uint8Array {
  const count = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (tensor.data.length !== count) {
    throw new InvalidInputError(
      `ONNX tensor '${tensor.name}' has ${tensor.data.length} values but dims [${tensor.dims.join(', ')}] need ${count}.`,
      'INVALID_ARGUMENT',
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
    case 'bool':
      return Uint8Array.from({ length: count }, (_, i) => (data[i] ? 1 : 0));
  }
}

function writeTensor(writer: ProtobufWriter, tensor: OnnxTensorSpec): void {
  writer.packedVarints(1, tensor.dims).int(2, onnxDataType[tensor.dataType]).string(8, tensor.name).bytes(9, rawData(tensor));
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

function writeAttribute(writer: ProtobufWriter, name: string, attribute: OnnxAttributeValue): void {
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
    case 'floats':
      writer.packedFloats(7, attribute.value);
      break;
    case 'ints':
      writer.packedVarints(8, attribute.value);
      break;
  }
  writer.int(20, attributeType[attribute.kind]);
}

function writeNode(writer: ProtobufWriter, node: OnnxNodeSpec): void {
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  if (node.name !== undefined) writer.string(3, node.name);
  writer.string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) {
    writer.message(5, (inner) => writeAttribute(inner, name, attribute));
  }
}

/**
 * Encodes an {@link OnnxModelSpec} as the bytes of an ONNX `ModelProto`, loadable by ONNX
 * Runtime (`InferenceSession.create(bytes)`) and by `onnx.load`. Initializers are stored inline
 * as little-endian `raw_data` (no external data, so the model must stay under protobuf's 2 GiB).
 * Nothing is checked beyond tensor sizes: op names, arities and topological order are the
 * caller's, and ONNX Runtime reports mistakes on load.
 *
 * @returns the serialized `ModelProto`.
 */
export function encodeOnnxModel(model: OnnxModelSpec): Uint8Array {
  const writer = new ProtobufWriter();
  writer.int(1, model.irVersion ?? 8).string(2, model.producerName ?? '@inseq/testing');
  writer.message(7, (graph) => {
    for (const node of model.nodes) graph.message(1, (inner) => writeNode(inner, node));
    graph.string(2, model.graphName);
    for (const tensor of model.initializers) graph.message(5, (inner) => writeTensor(inner, tensor));
    for (const input of model.inputs) graph.message(11, (inner) => writeValueInfo(inner, input));
    for (const output of model.outputs) graph.message(12, (inner) => writeValueInfo(inner, output));
  });
  writer.message(8, (opset) => opset.string(1, '').int(2, model.opsetVersion));
  return writer.finish();
}
