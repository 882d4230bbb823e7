/**
 * ONNX `TensorProto.DataType` codes this writer supports, by name. The numbers are those of
 * `onnx.proto` (FLOAT 1, UINT8 2, INT8 3, INT32 6, INT64 7, BOOL 9, FLOAT16 10).
 */
export const onnxDataType = Object.freeze({ float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10 } as const);

/** An element type of {@link OnnxTensorSpec} / {@link OnnxValueInfoSpec}. */
export type OnnxDataTypeName = keyof typeof onnxDataType;

/** A constant tensor: a graph initializer or a `TENSOR` attribute, stored as little-endian `raw_data`. */
export interface OnnxTensorSpec {
  name: string;
  dataType: OnnxDataTypeName;
  /** Shape; `[]` for a scalar. */
  dims: number[];
  /**
   * Row-major values: `Float32Array` for float, values for float16 (rounded to nearest even when
   * written), `Int32Array` for int32, `BigInt64Array` or numbers for int64, numbers in range for
   * uint8 / int8, `Uint8Array` or booleans (0 / 1) for bool.
   */
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array | ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean>;
}

/** A graph input or output: name, element type and shape (a number is fixed, a string is a symbolic dim such as `batch_size`). */
export interface OnnxValueInfoSpec {
  name: string;
  dataType: OnnxDataTypeName;
  shape: (number | string)[];
}

/** An attribute value; the ONNX attribute type is chosen from the JS type (see {@link OnnxNodeSpec}). */
export type OnnxAttributeValue =
  | { kind: 'int'; value: number | bigint }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: (number | bigint)[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'tensor'; value: OnnxTensorSpec }
  /** A subgraph (`GraphProto`), e.g. an `If` node's `then_branch` / `else_branch`. */
  | { kind: 'graph'; value: OnnxGraphSpec };

/**
 * A subgraph: no inputs for an `If` branch (it reads the enclosing graphs' values by name), its
 * outputs (as many as the node's, with types), its own initializers and nodes.
 */
export interface OnnxGraphSpec {
  name: string;
  inputs: OnnxValueInfoSpec[];
  outputs: OnnxValueInfoSpec[];
  initializers: OnnxTensorSpec[];
  /** In topological order; values of enclosing graphs may be used by name. */
  nodes: OnnxNodeSpec[];
}

/** One operator call of the graph. */
export interface OnnxNodeSpec {
  /** Operator name in the default domain, e.g. `MatMul`. */
  opType: string;
  /** Input value names; `''` for an omitted optional input. */
  inputs: string[];
  outputs: string[];
  /** Unique node name (ORT reports it in errors). */
  name?: string;
  attributes?: Record<string, OnnxAttributeValue>;
}

/** A whole ONNX model: one graph in the default `ai.onnx` domain at one opset. */
export interface OnnxModelSpec {
  /** `ModelProto.ir_version`. @defaultValue 8 (the IR of opset 17) */
  irVersion?: number;
  /** Version of the default domain, e.g. 17. */
  opsetVersion: number;
  /** @defaultValue '@inseq/testing' */
  producerName?: string;
  graphName: string;
  inputs: OnnxValueInfoSpec[];
  outputs: OnnxValueInfoSpec[];
  initializers: OnnxTensorSpec[];
  /** In topological order, as ONNX requires. */
  nodes: OnnxNodeSpec[];
}
