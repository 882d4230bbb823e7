import { InvalidInputError, ProtobufWriter } from '@inseq/core';
import { tensorProtoName } from './decode-onnx-model';
import { ONNX_DTYPE, type IrAttribute, type IrGraph, type IrInitializer, type IrModel, type IrNode, type IrTensor, type IrValueInfo } from './onnx-ir';

// Field numbers and enum values below are those of the public onnx.proto.
const attributeType: Readonly<Record<IrAttribute['kind'], number>> = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8 };

const elementBytes: Readonly<Record<number, number>> = {
  [ONNX_DTYPE.float]: 4,
  [ONNX_DTYPE.uint8]: 1,
  [ONNX_DTYPE.int8]: 1,
  [ONNX_DTYPE.int32]: 4,
  [ONNX_DTYPE.int64]: 8,
  [ONNX_DTYPE.bool]: 1,
  [ONNX_DTYPE.float16]: 2,
  [ONNX_DTYPE.double]: 8,
};

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** An int64 field's value: an integer number, ±2^63 and beyond saturating to INT64_MAX / INT64_MIN. */
function int64(value: number, what: string): bigint | number {
  if (!Number.isInteger(value)) throw new InvalidInputError(`${what} must be an integer (int64), got ${value}.`, { code: 'INVALID_ARGUMENT' });
  if (value >= 2 ** 63) return INT64_MAX;
  if (value <= -(2 ** 63)) return INT64_MIN;
  return value;
}

function writeTensor(writer: ProtobufWriter, tensor: IrTensor): void {
  const count = tensor.dims.reduce((product, dim) => product * dim, 1);
  const size = elementBytes[tensor.dataType];
  if (size !== undefined && tensor.raw.length !== count * size) {
    throw new InvalidInputError(
      `Tensor '${tensor.name}' has ${tensor.raw.length} bytes of raw data but dims [${tensor.dims.join(', ')}] of data type ${tensor.dataType} need ${count * size}.`,
      { code: 'INVALID_ARGUMENT' },
    );
  }
  writer.packedVarints(1, tensor.dims.map((dim) => int64(dim, `A dimension of tensor '${tensor.name}'`)));
  writer.int(2, tensor.dataType).string(8, tensor.name).bytes(9, tensor.raw);
}

function writeValueInfo(writer: ProtobufWriter, info: IrValueInfo): void {
  writer.string(1, info.name);
  if (info.typeProto) {
    writer.bytes(2, info.typeProto);
    return;
  }
  if (info.dataType === 0 && info.shape === undefined) return;
  writer.message(2, (type) =>
    type.message(1, (tensorType) => {
      if (info.dataType !== 0) tensorType.int(1, info.dataType);
      if (info.shape === undefined) return;
      tensorType.message(2, (shape) => {
        for (const dim of info.shape ?? []) {
          shape.message(1, (dimension) => {
            if (typeof dim === 'number') dimension.int(1, int64(dim, `A dimension of '${info.name}'`));
            else if (typeof dim === 'string') dimension.string(2, dim);
          });
        }
      });
    }),
  );
}

function writeAttribute(writer: ProtobufWriter, name: string, attribute: IrAttribute, where: string): void {
  writer.string(1, name);
  const what = `Attribute '${name}' of ${where}`;
  switch (attribute.kind) {
    case 'float':
      writer.float(2, attribute.value);
      break;
    case 'int':
      writer.int(3, int64(attribute.value, what));
      break;
    case 'string':
      writer.string(4, attribute.value);
      break;
    case 'tensor': {
      const { value } = attribute;
      if ('proto' in value) writer.bytes(5, value.proto);
      else writer.message(5, (tensor) => writeTensor(tensor, value));
      break;
    }
    case 'graph':
      writer.bytes(6, concat(graphChunks(attribute.value)));
      break;
    case 'floats':
      writer.packedFloats(7, attribute.value);
      break;
    case 'ints':
      writer.packedVarints(8, attribute.value.map((value) => int64(value, what)));
      break;
    case 'strings':
      for (const value of attribute.value) writer.string(9, value);
      break;
    default:
      throw new InvalidInputError(`${what} has unknown kind ${JSON.stringify((attribute as { kind: unknown }).kind)}.`, { code: 'INVALID_ARGUMENT' });
  }
  writer.int(20, attributeType[attribute.kind]);
}

function writeNode(writer: ProtobufWriter, node: IrNode): void {
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  if (node.name) writer.string(3, node.name);
  writer.string(4, node.opType);
  const where = `${node.opType} node '${node.name}'`;
  for (const [name, attribute] of Object.entries(node.attributes)) writer.message(5, (inner) => writeAttribute(inner, name, attribute, where));
  if (node.domain) writer.string(7, node.domain);
}

/** `GraphProto.initializer` bytes: the original `TensorProto` verbatim (renamed if its IR name changed), or a new tensor. */
function initializerBytes(initializer: IrInitializer): Uint8Array {
  if ('tensor' in initializer) {
    const writer = new ProtobufWriter();
    writeTensor(writer, initializer.name === initializer.tensor.name ? initializer.tensor : { ...initializer.tensor, name: initializer.name });
    return writer.finish();
  }
  const { proto, name } = initializer;
  if (tensorProtoName(proto) === name) return proto;
  // A later occurrence of a singular field wins in protobuf: appending `name` renames without a copy of the data's decoding.
  return concat([proto, new ProtobufWriter().string(8, name).finish()]);
}

/** A `GraphProto` as chunks to concatenate: the initializers' bytes stay out of any intermediate buffer. */
function graphChunks(graph: IrGraph): Uint8Array[] {
  const head = new ProtobufWriter();
  for (const node of graph.nodes) head.message(1, (inner) => writeNode(inner, node));
  if (graph.name) head.string(2, graph.name);
  const chunks: Uint8Array[] = [head.finish()];
  for (const initializer of graph.initializers) {
    const bytes = initializerBytes(initializer);
    chunks.push(new ProtobufWriter().tag(5, 2).varint(bytes.length).finish(), bytes);
  }
  const tail = new ProtobufWriter();
  for (const input of graph.inputs) tail.message(11, (inner) => writeValueInfo(inner, input));
  for (const output of graph.outputs) tail.message(12, (inner) => writeValueInfo(inner, output));
  for (const info of graph.valueInfo) tail.message(13, (inner) => writeValueInfo(inner, info));
  for (const sparse of graph.sparseInitializers ?? []) tail.bytes(15, sparse);
  chunks.push(tail.finish());
  return chunks;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Opset versions of the domains the graph's nodes (and their subgraphs') use but the model does not import. */
const DEFAULT_DOMAIN_VERSIONS: Readonly<Record<string, number>> = Object.freeze({ 'com.microsoft': 1 });

/**
 * The model's opset imports plus one for every domain a node uses that it lacks (a gradient
 * graph's com.microsoft `FusedMatMul` in a model that imported only ai.onnx): version 1 for
 * com.microsoft, whose contrib ops are all at version 1.
 */
function withUsedDomains(model: IrModel): Record<string, number> {
  const imports: Record<string, number> = { ...model.opsetImports };
  const visit = (graph: IrGraph): void => {
    for (const node of graph.nodes) {
      const domain = node.domain ?? '';
      if (domain !== '' && domain !== 'ai.onnx' && !(domain in imports)) imports[domain] = DEFAULT_DOMAIN_VERSIONS[domain] ?? 1;
      for (const attribute of Object.values(node.attributes)) if (attribute.kind === 'graph') visit(attribute.value);
    }
  };
  visit(model.graph);
  return imports;
}

/**
 * Encodes an {@link IrModel} as the bytes of an ONNX `ModelProto`, loadable by ONNX Runtime
 * (`InferenceSession.create(bytes)`): the model's original initializers and tensor attributes
 * are written back verbatim (external-data initializers still point to their side file, so the
 * session must be given the same external data), new {@link IrTensor}s as `TensorProto`s with
 * `raw_data`; attributes carry their `AttributeProto.type`; value infos their shapes. The result
 * is one buffer of the model's size (initializers are copied once, into it).
 *
 * Nothing is checked beyond tensor sizes and integer attributes: op names, arities and
 * topological order are the caller's, and ONNX Runtime reports mistakes on load.
 *
 * @throws InvalidInputError (`INVALID_ARGUMENT`) on a new tensor whose raw data does not match its
 * dims, or a non-integer int attribute / dimension.
 */
export function encodeOnnxModel(model: IrModel): Uint8Array {
  const head = new ProtobufWriter();
  head.int(1, model.irVersion);
  if (model.producerName) head.string(2, model.producerName);
  const graph = graphChunks(model.graph);
  const graphLength = graph.reduce((total, chunk) => total + chunk.length, 0);
  head.tag(7, 2).varint(graphLength);
  const tail = new ProtobufWriter();
  for (const [domain, version] of Object.entries(withUsedDomains(model))) {
    tail.message(8, (opset) => {
      if (domain) opset.string(1, domain);
      opset.int(2, version);
    });
  }
  for (const fn of model.functions ?? []) tail.bytes(25, fn);
  return concat([head.finish(), ...graph, tail.finish()]);
}
