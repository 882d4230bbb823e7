import { ModelLoadError, escapeUntrusted, quoteUntrusted } from '@inseq/core';
import type { IrAttribute, IrGraph, IrInitializer, IrModel, IrNode, IrValueInfo } from './onnx-ir';

// Field numbers below are those of the public onnx.proto. Unlike `../onnx/onnx-protobuf-fields`
// (which skips fixed-width fields and reads varints as unsigned), this walk reads fixed32 floats
// and int64 varints with their sign, as attributes need.

/** One protobuf field: varints as int64 (two's complement → negative), other payloads as views. */
interface WireField {
  readonly number: number;
  readonly wireType: number;
  /** Varint value (wire type 0), int64 semantics; exact below 2^53 in magnitude. */
  readonly value: number;
  /** Payload of a length-delimited (2), fixed32 (5) or fixed64 (1) field. */
  readonly bytes?: Uint8Array;
}

const text = new TextDecoder();

function malformed(message: string): ModelLoadError {
  return new ModelLoadError(`Malformed ONNX model: ${message}.`, { code: 'INVALID_FILE' });
}

/** Reads one varint at `offset` of `buffer`; returns it (int64 semantics) and the offset after it. */
function readVarint(buffer: Uint8Array, offset: number, what: string): [number, number] {
  const start = offset;
  let result = 0;
  let scale = 1;
  for (;;) {
    if (offset >= buffer.length) throw malformed(`truncated varint at byte ${start} of ${what}`);
    const byte = buffer[offset++];
    if (offset - start > 10) throw malformed(`varint longer than 10 bytes at byte ${start} of ${what}`);
    if (offset - start <= 7) result += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) break;
  }
  if (offset - start <= 7) return [result, offset];
  // Beyond 49 bits: exact 64-bit arithmetic, then two's complement (protobuf int64 / int32).
  let big = 0n;
  for (let i = offset - 1; i >= start; i--) big = (big << 7n) | BigInt(buffer[i] & 0x7f);
  return [Number(BigInt.asIntN(64, big)), offset];
}

/** The fields of one protobuf message, in order. @throws ModelLoadError (INVALID_FILE) on truncated or ill-formed bytes. */
function* wireFields(buffer: Uint8Array, what: string): Generator<WireField> {
  let offset = 0;
  while (offset < buffer.length) {
    const keyAt = offset;
    const [key, afterKey] = readVarint(buffer, offset, what);
    offset = afterKey;
    const wireType = key & 7;
    const number = Math.floor(key / 8);
    if (key < 0 || number === 0) throw malformed(`invalid field key ${key} at byte ${keyAt} of ${what}`);
    if (wireType === 0) {
      const [value, next] = readVarint(buffer, offset, what);
      offset = next;
      yield { number, wireType, value };
    } else if (wireType === 2 || wireType === 1 || wireType === 5) {
      let length = wireType === 1 ? 8 : 4;
      if (wireType === 2) [length, offset] = readVarint(buffer, offset, what);
      if (length < 0 || offset + length > buffer.length) {
        throw malformed(`field ${number} of ${what} at byte ${keyAt} runs past the end (${length} bytes, ${buffer.length - offset} left)`);
      }
      yield { number, wireType, value: length, bytes: buffer.subarray(offset, offset + length) };
      offset += length;
    } else {
      throw malformed(`unsupported wire type ${wireType} (field ${number}) at byte ${keyAt} of ${what}`);
    }
  }
}

/** The payload of a length-delimited field, or an error naming it. */
function payload(field: WireField, what: string): Uint8Array {
  if (field.wireType !== 2 || !field.bytes) throw malformed(`field ${field.number} of ${what} has wire type ${field.wireType}, expected 2 (length-delimited)`);
  return field.bytes;
}

function varintOf(field: WireField, what: string): number {
  if (field.wireType !== 0) throw malformed(`field ${field.number} of ${what} has wire type ${field.wireType}, expected 0 (varint)`);
  return field.value;
}

function stringOf(field: WireField, what: string): string {
  return text.decode(payload(field, what));
}

/** Repeated int64: packed (one length-delimited payload) or one varint per field. */
function pushInts(into: number[], field: WireField, what: string): void {
  if (field.wireType === 0) {
    into.push(field.value);
    return;
  }
  const bytes = payload(field, what);
  let offset = 0;
  while (offset < bytes.length) {
    const [value, next] = readVarint(bytes, offset, what);
    into.push(value);
    offset = next;
  }
}

/** Repeated float: packed (little-endian singles back to back) or one fixed32 per field. */
function pushFloats(into: number[], field: WireField, what: string): void {
  const bytes = field.bytes;
  if (!bytes || field.wireType === 1 || (field.wireType === 2 && bytes.length % 4 !== 0)) {
    throw malformed(`field ${field.number} of ${what} is not a float (wire type ${field.wireType}${bytes ? `, ${bytes.length} bytes` : ''})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.length; i += 4) into.push(view.getFloat32(i, true));
}

/** The name (field 8) of a `TensorProto`, without touching its data. */
export function tensorProtoName(bytes: Uint8Array): string {
  let name = '';
  for (const field of wireFields(bytes, 'TensorProto')) if (field.number === 8) name = stringOf(field, 'TensorProto');
  return name;
}

// AttributeProto.AttributeType values.
const attributeTypeNames: Readonly<Record<number, string>> = {
  1: 'FLOAT', 2: 'INT', 3: 'STRING', 4: 'TENSOR', 5: 'GRAPH', 6: 'FLOATS', 7: 'INTS', 8: 'STRINGS',
  9: 'TENSORS', 10: 'GRAPHS', 11: 'SPARSE_TENSOR', 12: 'SPARSE_TENSORS', 13: 'TYPE_PROTO', 14: 'TYPE_PROTOS',
};

function decodeAttribute(bytes: Uint8Array, where: string, depth: number): [string, IrAttribute] {
  let name = '';
  let type: number | undefined;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  let t: Uint8Array | undefined;
  let g: Uint8Array | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  const others = new Set<string>();
  const what = `an attribute of ${where}`;
  for (const field of wireFields(bytes, what)) {
    switch (field.number) {
      case 1: name = stringOf(field, what); break;
      case 2: {
        const values: number[] = [];
        pushFloats(values, field, what);
        f = values[values.length - 1];
        break;
      }
      case 3: i = varintOf(field, what); break;
      case 4: s = stringOf(field, what); break;
      case 5: t = payload(field, what); break;
      case 6: g = payload(field, what); break;
      case 7: pushFloats(floats, field, what); break;
      case 8: pushInts(ints, field, what); break;
      case 9: strings.push(stringOf(field, what)); break;
      case 20: type = varintOf(field, what); break;
      case 10: others.add('TENSORS'); break;
      case 11: others.add('GRAPHS'); break;
      case 22: others.add('SPARSE_TENSOR'); break;
      case 23: others.add('SPARSE_TENSORS'); break;
      case 14: others.add('TYPE_PROTO'); break;
      case 15: others.add('TYPE_PROTOS'); break;
      // doc_string = 13 and ref_attr_name = 21 (function bodies only) are dropped.
    }
  }
  // Attributes written before `type` existed (IR version 1) say their kind by the field they fill.
  type ??= f !== undefined ? 1 : i !== undefined ? 2 : s !== undefined ? 3 : t ? 4 : g ? 5 : floats.length > 0 ? 6 : ints.length > 0 ? 7 : strings.length > 0 ? 8 : undefined;
  const label = `attribute ${quoteUntrusted(name, 60)} of ${where}`;
  switch (type) {
    case 1: return [name, { kind: 'float', value: f ?? 0 }];
    case 2: return [name, { kind: 'int', value: i ?? 0 }];
    case 3: return [name, { kind: 'string', value: s ?? '' }];
    case 4:
      if (!t) throw malformed(`${label} is a TENSOR with no tensor (field 5)`);
      return [name, { kind: 'tensor', value: { proto: t } }];
    case 5:
      if (!g) throw malformed(`${label} is a GRAPH with no graph (field 6)`);
      return [name, { kind: 'graph', value: decodeGraph(g, `${label}`, depth + 1) }];
    case 6: return [name, { kind: 'floats', value: floats }];
    case 7: return [name, { kind: 'ints', value: ints }];
    case 8: return [name, { kind: 'strings', value: strings }];
  }
  const kind = type !== undefined ? (attributeTypeNames[type] ?? `type ${type}`) : [...others].join(' / ') || 'no value';
  throw new ModelLoadError(
    `ONNX ${label} is of kind ${kind}, which the editable ONNX IR does not represent (it holds FLOAT, INT, STRING, TENSOR, GRAPH, FLOATS, INTS and STRINGS attributes).`,
    { code: 'UNSUPPORTED_MODEL' },
  );
}

function decodeNode(bytes: Uint8Array, index: number, graphWhere: string, depth: number): IrNode {
  let opType = '';
  let domain = '';
  let name = '';
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: Record<string, IrAttribute> = {};
  const what = `node ${index} of ${graphWhere}`;
  const pending: Uint8Array[] = [];
  for (const field of wireFields(bytes, what)) {
    switch (field.number) {
      case 1: inputs.push(stringOf(field, what)); break;
      case 2: outputs.push(stringOf(field, what)); break;
      case 3: name = stringOf(field, what); break;
      case 4: opType = stringOf(field, what); break;
      case 5: pending.push(payload(field, what)); break;
      case 7: domain = stringOf(field, what); break;
      // doc_string = 6, overload = 8, metadata_props = 9, device_configurations = 10 are dropped.
    }
  }
  if (!opType) throw malformed(`${what} has no op_type (field 4)`);
  const where = `${escapeUntrusted(opType, 60)} node ${name ? quoteUntrusted(name, 80) : index} of ${graphWhere}`;
  for (const attribute of pending) {
    const [key, value] = decodeAttribute(attribute, where, depth);
    attributes[key] = value;
  }
  return { opType, ...(domain && { domain }), name, inputs, outputs, attributes };
}

function decodeShape(bytes: Uint8Array, what: string): (number | string | undefined)[] {
  const shape: (number | string | undefined)[] = [];
  for (const field of wireFields(bytes, what)) {
    if (field.number !== 1) continue;
    let dim: number | string | undefined;
    for (const inner of wireFields(payload(field, what), `a dimension of ${what}`)) {
      if (inner.number === 1) dim = varintOf(inner, what);
      else if (inner.number === 2) dim = stringOf(inner, what);
    }
    shape.push(dim);
  }
  return shape;
}

function decodeValueInfo(bytes: Uint8Array, what: string): IrValueInfo {
  let name = '';
  let dataType = 0;
  let shape: (number | string | undefined)[] | undefined;
  let typeProto: Uint8Array | undefined;
  for (const field of wireFields(bytes, what)) {
    if (field.number === 1) name = stringOf(field, what);
    else if (field.number === 2) {
      const type = payload(field, what);
      let tensorType: Uint8Array | undefined;
      for (const inner of wireFields(type, `the type of ${what}`)) if (inner.number === 1) tensorType = payload(inner, what);
      if (!tensorType) {
        // A sequence, map, optional or sparse tensor type: kept as its TypeProto bytes.
        typeProto = type;
        continue;
      }
      for (const inner of wireFields(tensorType, `the tensor type of ${what}`)) {
        if (inner.number === 1) dataType = varintOf(inner, what);
        else if (inner.number === 2) shape = decodeShape(payload(inner, what), `the shape of ${what}`);
      }
    }
  }
  return { name, dataType, ...(shape && { shape }), ...(typeProto && { typeProto }) };
}

/** Subgraphs nested deeper than this are refused (real exports nest two or three), before the recursion can overflow the stack. */
const maxGraphDepth = 64;

function decodeGraph(bytes: Uint8Array, where: string, depth: number): IrGraph {
  if (depth > maxGraphDepth) throw malformed(`subgraphs nested more than ${maxGraphDepth} deep`);
  let name = '';
  const nodes: IrNode[] = [];
  const inputs: IrValueInfo[] = [];
  const outputs: IrValueInfo[] = [];
  const initializers: IrInitializer[] = [];
  const valueInfo: IrValueInfo[] = [];
  const sparseInitializers: Uint8Array[] = [];
  for (const field of wireFields(bytes, where)) {
    switch (field.number) {
      case 1: nodes.push(decodeNode(payload(field, where), nodes.length, where, depth)); break;
      case 2: name = stringOf(field, where); break;
      case 5: {
        const proto = payload(field, where);
        initializers.push({ name: tensorProtoName(proto), proto });
        break;
      }
      case 11: inputs.push(decodeValueInfo(payload(field, where), `input ${inputs.length} of ${where}`)); break;
      case 12: outputs.push(decodeValueInfo(payload(field, where), `output ${outputs.length} of ${where}`)); break;
      case 13: valueInfo.push(decodeValueInfo(payload(field, where), `value_info ${valueInfo.length} of ${where}`)); break;
      case 15: sparseInitializers.push(payload(field, where)); break;
      // doc_string = 10, quantization_annotation = 14, metadata_props = 16 are dropped.
    }
  }
  return { name, nodes, inputs, outputs, initializers, valueInfo, ...(sparseInitializers.length > 0 && { sparseInitializers }) };
}

/**
 * Decodes the bytes of an ONNX `ModelProto` into the editable {@link IrModel}: the graph's nodes,
 * attributes (subgraphs of `If` / `Loop` / `Scan` recursively), inputs, outputs and value infos as
 * plain objects; initializers and tensor attributes (a `Constant`'s value) as views of their
 * original `TensorProto` bytes (no copy: `bytes` must stay unchanged while the model is used).
 * Initializers stored as external data (`data_location = EXTERNAL`) stay as they are, pointing to
 * their side file, so a model re-encoded from them must be given the same external data.
 *
 * Kept beside the graph: `ir_version`, `opset_import`, `producer_name`, the model-local functions
 * (`functions`, as their `FunctionProto` bytes), sparse initializers (bytes), non-tensor value
 * types (`TypeProto` bytes). Dropped, since ONNX Runtime does not need them to run the model:
 * doc strings, `producer_version`, `domain`, `model_version`, `metadata_props`, `training_info`,
 * `configuration`, quantization annotations, type denotations, node `overload` /
 * `metadata_props` / `device_configurations`.
 *
 * Int64 values (attributes, dims) become numbers: exact within ±2^53; INT64_MAX / INT64_MIN
 * (common "to the end" markers) become ±2^63, which {@link encodeOnnxModel} writes back as
 * INT64_MAX / INT64_MIN.
 *
 * @throws ModelLoadError (`INVALID_FILE`) when the bytes are not a well-formed ONNX model, naming
 * what is wrong and where; (`UNSUPPORTED_MODEL`) on attributes of kinds the IR does not hold
 * (TENSORS, GRAPHS, SPARSE_TENSOR(S), TYPE_PROTO(S)).
 */
export function decodeOnnxModel(bytes: Uint8Array): IrModel {
  if (!(bytes instanceof Uint8Array)) throw malformed(`expected the model's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length === 0) throw malformed('the file is empty');
  let irVersion = 0;
  let producerName = '';
  let graph: IrGraph | undefined;
  const opsetImports: Record<string, number> = {};
  const functions: Uint8Array[] = [];
  const what = 'ModelProto';
  for (const field of wireFields(bytes, what)) {
    switch (field.number) {
      case 1: irVersion = varintOf(field, what); break;
      case 2: producerName = stringOf(field, what); break;
      case 7: graph = decodeGraph(payload(field, what), 'the main graph', 0); break;
      case 8: {
        let domain = '';
        let version = 0;
        for (const inner of wireFields(payload(field, what), 'an opset_import')) {
          if (inner.number === 1) domain = stringOf(inner, 'an opset_import');
          else if (inner.number === 2) version = varintOf(inner, 'an opset_import');
        }
        opsetImports[domain] = version;
        break;
      }
      case 25: functions.push(payload(field, what)); break;
    }
  }
  if (!graph) throw malformed('no graph (ModelProto.graph, field 7) — is this an ONNX model file?');
  return { irVersion, opsetImports, producerName, graph, ...(functions.length > 0 && { functions }) };
}
