import { fields, malformedProtobuf, packedVarints } from './onnx-protobuf-fields';

/** Subgraphs nested deeper than this (If inside If inside …) are refused rather than recursed into: real exports nest two or three. */
const maxGraphDepth = 64;

/** An attribute of an ONNX node, as far as the structural lookups need it. */
export interface OnnxAttribute {
  /** `i` (int64; negative values come back as their two's complement, above 2^63). */
  readonly int?: number;
  /** `ints`. */
  readonly ints?: number[];
  /** `t`: the `TensorProto` bytes (a `Constant` node's value). */
  readonly tensor?: Uint8Array;
  /** `g` and `graphs`: subgraphs (an `If`'s `then_branch` / `else_branch`, a `Loop`'s body). */
  readonly graphs?: OnnxGraph[];
}

/** One node of an ONNX graph. */
export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
}

/** An ONNX graph (the model's or a subgraph): nodes, declared inputs and outputs, initializers by name. */
export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** `TensorProto` bytes of each initializer, by name. */
  readonly initializers: ReadonlyMap<string, Uint8Array>;
}

const text = new TextDecoder();

// Field numbers from onnx.proto: GraphProto node = 1, initializer = 5, input = 11, output = 12;
// NodeProto input = 1, output = 2, op_type = 4, attribute = 5; AttributeProto name = 1, i = 3,
// t = 5, g = 6, ints = 8, graphs = 11; ValueInfoProto name = 1; TensorProto name = 8.

function valueName(bytes: Uint8Array, field: number): string {
  for (const inner of fields(bytes)) if (inner.number === field && inner.bytes) return text.decode(inner.bytes);
  return '';
}

function readAttribute(bytes: Uint8Array, depth: number): [string, OnnxAttribute] {
  let name = '';
  let int: number | undefined;
  const ints: number[] = [];
  let tensor: Uint8Array | undefined;
  const graphs: OnnxGraph[] = [];
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.bytes) name = text.decode(field.bytes);
    else if (field.number === 3 && field.wireType === 0) int = field.value;
    else if (field.number === 5 && field.bytes) tensor = field.bytes;
    else if ((field.number === 6 || field.number === 11) && field.bytes) graphs.push(readGraph(field.bytes, depth + 1));
    else if (field.number === 8 && field.wireType === 0) ints.push(field.value);
    else if (field.number === 8 && field.bytes) ints.push(...packedVarints(field.bytes));
  }
  return [name, { ...(int !== undefined && { int }), ...(ints.length > 0 && { ints }), ...(tensor && { tensor }), ...(graphs.length > 0 && { graphs }) }];
}

function readNode(bytes: Uint8Array, depth: number): OnnxNode {
  let opType = '';
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes = new Map<string, OnnxAttribute>();
  for (const field of fields(bytes)) {
    if (!field.bytes) continue;
    if (field.number === 1) inputs.push(text.decode(field.bytes));
    else if (field.number === 2) outputs.push(text.decode(field.bytes));
    else if (field.number === 4) opType = text.decode(field.bytes);
    else if (field.number === 5) attributes.set(...readAttribute(field.bytes, depth));
  }
  return { opType, inputs, outputs, attributes };
}

function readGraph(bytes: Uint8Array, depth: number): OnnxGraph {
  if (depth > maxGraphDepth) throw malformedProtobuf(`subgraphs nested more than ${maxGraphDepth} deep`);
  const nodes: OnnxNode[] = [];
  const inputs: string[] = [];
  const outputs: string[] = [];
  const initializers = new Map<string, Uint8Array>();
  for (const field of fields(bytes)) {
    if (!field.bytes) continue;
    if (field.number === 1) nodes.push(readNode(field.bytes, depth));
    else if (field.number === 5) initializers.set(valueName(field.bytes, 8), field.bytes);
    else if (field.number === 11) inputs.push(valueName(field.bytes, 1));
    else if (field.number === 12) outputs.push(valueName(field.bytes, 1));
  }
  return { nodes, inputs, outputs, initializers };
}

/**
 * The main graph of an ONNX model (`ModelProto.graph`), subgraphs of `If` / `Loop` / `Scan`
 * nodes included as attributes. Initializers are kept as their undecoded `TensorProto` bytes
 * (views into `model`, no copy), so reading a graph costs little beside the model's bytes.
 *
 * @throws ModelLoadError (`'INVALID_FILE'`) on bytes that are not a well-formed protobuf, subgraphs
 *   nested more than 64 deep, or no graph.
 */
export function readOnnxGraph(model: Uint8Array): OnnxGraph {
  for (const field of fields(model)) if (field.number === 7 && field.bytes) return readGraph(field.bytes, 0);
  throw malformedProtobuf('no graph in the ONNX model (ModelProto.graph is absent)');
}

/** Every node of `graph` and of its subgraphs, depth first; with each, the graphs enclosing it (innermost last). */
export function* allOnnxNodes(graph: OnnxGraph, enclosing: readonly OnnxGraph[] = []): Generator<{ node: OnnxNode; scopes: readonly OnnxGraph[] }> {
  const scopes = [...enclosing, graph];
  for (const node of graph.nodes) {
    yield { node, scopes };
    for (const attribute of node.attributes.values()) for (const sub of attribute.graphs ?? []) yield* allOnnxNodes(sub, scopes);
  }
}
