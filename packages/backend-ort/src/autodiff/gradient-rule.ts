import type { IrAttribute, IrNode } from './onnx-ir';

/**
 * What a gradient rule may emit: fresh value names, new nodes, small constants, and a few
 * run-time helpers (reduction of a broadcast gradient back to an input's shape, zeros of a value's
 * shape). Every node a rule emits is appended to the gradient graph in emission order.
 */
export interface GradientContext {
  /** ai.onnx opset of the model; the emitted nodes are valid at this opset (13 or more). */
  readonly opsetVersion: number;
  /** Element type ({@link ONNX_DTYPE} code) of the gradients and of the float constants emitted. */
  readonly floatType: number;
  /** A new unique value name. */
  fresh(hint: string): string;
  /** Emits one node with `outputCount` fresh outputs (1 by default) and returns their names. */
  emit(opType: string, inputs: readonly string[], attributes?: Record<string, IrAttribute>, options?: { outputCount?: number; domain?: string }): string[];
  /** Emits one single-output node and returns its output name. */
  op(opType: string, inputs: readonly string[], attributes?: Record<string, IrAttribute>): string;
  /** A constant of {@link floatType} (a scalar unless `dims` says otherwise). */
  floatConstant(values: number | readonly number[], dims?: readonly number[]): string;
  /** An int64 constant (1-D of `values.length` unless `dims` says otherwise). */
  int64Constant(values: readonly number[], dims?: readonly number[]): string;
  /**
   * `grad` (the gradient of a broadcasting op's output) summed back to the shape of `input`:
   * leading axes `input` lacks are summed away, axes where `input` has 1 are summed with
   * keepdims. `like` names a value of the original graph with `grad`'s shape (usually the op's
   * output): where the shapes of `like` and `input` are known at build time, `grad` is returned
   * as it is (equal shapes) or reduced over constant axes; otherwise the axes are computed at run
   * time from `Shape(grad)` and `Shape(input)` (about a dozen small nodes).
   */
  reduceToShapeOf(grad: string, input: string, like?: string): string;
  /** The shape of a value of the original graph where it is known at build time (symbolic dims as strings). */
  shapeOf(value: string): readonly (number | string)[] | undefined;
  /** Zeros of `value`'s shape, of {@link floatType}. */
  zerosLike(value: string): string;
  /** `ReduceSum`/`ReduceMean` over constant `axes`, in the form the opset wants (input from 13 / 18). */
  reduce(opType: 'ReduceSum' | 'ReduceMean', input: string, axes: readonly number[], keepdims: boolean): string;
  /**
   * `Reshape(value, shape)` for a `shape` read by `Shape` from a real tensor: with `allowzero`
   * (opset 14+) so a 0-sized axis (e.g. an empty KV cache) stays 0 instead of being copied.
   */
  reshapeTo(value: string, shape: string): string;
  /** A `Cast` of `value` to {@link floatType}. */
  castToFloat(value: string): string;
}

/**
 * A reverse-mode rule for one op type: given the node and the gradient of each of its outputs
 * (`undefined` where the output does not reach the differentiated output), emit nodes that
 * compute the gradient of each input; `undefined` for inputs with no gradient.
 */
export type GradientRuleFunction = (node: IrNode, outputGradients: readonly (string | undefined)[], ctx: GradientContext) => (string | undefined)[];

/** A registry entry. */
export interface GradientRule {
  /**
   * Indices of the inputs a gradient can flow into; all inputs when absent. Values reaching an
   * op only through other inputs (shapes, indices, axes, conditions) do not put it on a path.
   */
  readonly differentiableInputs?: readonly number[];
  /** Absent for ops whose outputs carry no gradient (Shape, Equal, ...): they stop a path. */
  readonly gradient?: GradientRuleFunction;
}

/** Rules by op type; a `domain:opType` key (e.g. `com.microsoft:FastGelu`) for ops outside ai.onnx. */
export type GradientRuleRegistry = Readonly<Record<string, GradientRule>>;

/** An `int` attribute, or `fallback`. */
export function intAttribute(node: IrNode, name: string, fallback: number): number {
  const attribute = node.attributes[name];
  return attribute?.kind === 'int' ? attribute.value : fallback;
}

/** A `float` attribute, or `fallback`. */
export function floatAttribute(node: IrNode, name: string, fallback: number): number {
  const attribute = node.attributes[name];
  return attribute?.kind === 'float' ? attribute.value : fallback;
}

/** An `ints` attribute, or `undefined`. */
export function intsAttribute(node: IrNode, name: string): readonly number[] | undefined {
  const attribute = node.attributes[name];
  return attribute?.kind === 'ints' ? attribute.value : undefined;
}

/** Attribute builders for emitted nodes. */
export const attr = {
  int: (value: number): IrAttribute => ({ kind: 'int', value }),
  float: (value: number): IrAttribute => ({ kind: 'float', value }),
  ints: (value: readonly number[]): IrAttribute => ({ kind: 'ints', value }),
  string: (value: string): IrAttribute => ({ kind: 'string', value }),
};
