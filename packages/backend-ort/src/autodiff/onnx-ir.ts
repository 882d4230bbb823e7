/**
 * An editable in-memory form of an ONNX model, for building gradient graphs: the model's own
 * nodes, inputs and outputs decoded; its initializers kept as their original `TensorProto` bytes
 * (never decoded or copied into floats, so a large model costs its graph only); new nodes and
 * small constants added as plain objects. `decodeOnnxModel` / `encodeOnnxModel` convert.
 *
 * The shapes follow onnx.proto (field names in camelCase).
 */

/** `TensorProto.DataType` codes used here (onnx.proto). */
export const ONNX_DTYPE = Object.freeze({ float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, double: 11 } as const);

/** A constant tensor created by the gradient builder (initializer or `Constant` value). */
export interface IrTensor {
  readonly name: string;
  /** A {@link ONNX_DTYPE} code. */
  readonly dataType: number;
  readonly dims: readonly number[];
  /** Row-major little-endian `raw_data`. */
  readonly raw: Uint8Array;
}

/** An initializer: either kept as the model's original `TensorProto` bytes, or a new tensor. */
export type IrInitializer = { readonly name: string; readonly proto: Uint8Array } | { readonly name: string; readonly tensor: IrTensor };

export type IrAttribute =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: IrTensor | { readonly proto: Uint8Array } }
  | { readonly kind: 'graph'; readonly value: IrGraph };

export interface IrNode {
  readonly opType: string;
  /** `''` or absent: the default `ai.onnx` domain; `'com.microsoft'` for ORT contrib ops. */
  readonly domain?: string;
  readonly name: string;
  /** Input value names; `''` for an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, IrAttribute>>;
}

/** A graph input, output or value_info: element type and shape (a number is fixed, a string symbolic, `undefined` unknown). */
export interface IrValueInfo {
  readonly name: string;
  readonly dataType: number;
  readonly shape?: readonly (number | string | undefined)[];
  /** A value that is not a tensor (sequence, map, optional, sparse tensor): its `TypeProto` bytes, kept as they are (`dataType` is then 0). */
  readonly typeProto?: Uint8Array;
}

export interface IrGraph {
  readonly name: string;
  /** Topologically ordered. */
  readonly nodes: IrNode[];
  readonly inputs: IrValueInfo[];
  readonly outputs: IrValueInfo[];
  readonly initializers: IrInitializer[];
  readonly valueInfo: IrValueInfo[];
  /** `sparse_initializer`s, kept as their `SparseTensorProto` bytes. */
  readonly sparseInitializers?: readonly Uint8Array[];
}

export interface IrModel {
  readonly irVersion: number;
  /** Opset version by domain (`''` = ai.onnx). */
  readonly opsetImports: Readonly<Record<string, number>>;
  readonly producerName: string;
  readonly graph: IrGraph;
  /** Model-local functions (`ModelProto.functions`), kept as their `FunctionProto` bytes: nodes may call them. */
  readonly functions?: readonly Uint8Array[];
}
