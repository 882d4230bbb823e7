import type { DifferentiableTarget, TargetContext, TargetOps } from '@inseq/core';
import { ONNX_DTYPE, type IrAttribute, type IrInitializer, type IrNode, type IrValueInfo } from './onnx-ir';

/** A value the recorded target reads at run time: fed as a graph input (ids as one-hot masks, constants). */
export interface TargetFeed {
  readonly name: string;
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/**
 * A core {@link DifferentiableTarget} written as ONNX nodes over a `[batch, vocab]` logits value.
 * Everything that depends on the step (target ids, contrastive probabilities) is a graph input
 * (`feeds`), so one graph serves every step and batch: the graph depends only on `signature`,
 * the sequence of ops the target called.
 */
export interface RecordedTarget {
  readonly nodes: IrNode[];
  readonly initializers: IrInitializer[];
  /** Graph inputs to declare (float, symbolic dims). */
  readonly inputs: IrValueInfo[];
  /** Values to feed for this call, one per input. */
  readonly feeds: TargetFeed[];
  /** The `[batch]` value of the target. */
  readonly output: string;
  /** The ops called, in order, with their operands: equal signatures give equal graphs. */
  readonly signature: string;
}

const ints = (value: readonly number[]): IrAttribute => ({ kind: 'ints', value });

/**
 * Runs `target.build` with {@link TargetOps} that emit ONNX nodes (names prefixed `prefix`). `x[b,
 * ids[b]]` is a product with a fed one-hot mask summed over the vocabulary (exact: one non-zero
 * term per row), the same form the tfjs backend uses; constants are fed too.
 *
 * @param opsetVersion the model's ai.onnx opset: `ReduceSum` takes its axes as an input from 13.
 */
export function recordOnnxTarget(
  target: DifferentiableTarget,
  logits: string,
  vocab: number,
  targetIds: Int32Array,
  context: TargetContext | undefined,
  options: { readonly opsetVersion: number; readonly prefix?: string },
): RecordedTarget {
  const prefix = options.prefix ?? 'target/';
  const nodes: IrNode[] = [];
  const initializers: IrInitializer[] = [];
  const inputs: IrValueInfo[] = [];
  const feeds: TargetFeed[] = [];
  const calls: string[] = [];
  let counter = 0;
  const fresh = (hint: string) => `${prefix}${hint}_${counter++}`;
  const op = (opType: string, operands: readonly string[], attributes: Record<string, IrAttribute> = {}): string => {
    const output = fresh(opType);
    nodes.push({ opType, name: `${output}/node`, inputs: operands, outputs: [output], attributes });
    calls.push(`${output}=${opType}(${operands.join(',')})`);
    return output;
  };
  const feed = (hint: string, data: Float32Array, dims: readonly number[]): string => {
    const name = fresh(hint);
    inputs.push({ name, dataType: ONNX_DTYPE.float, shape: dims.map((_, axis) => `${name}_dim${axis}`) });
    feeds.push({ name, data, dims });
    calls.push(`${name}=feed[${dims.length}]`);
    return name;
  };
  let axesConstant: string | undefined;
  const lastAxis = (): string => {
    if (axesConstant === undefined) {
      axesConstant = `${prefix}last_axis`;
      initializers.push({
        name: axesConstant,
        tensor: { name: axesConstant, dataType: ONNX_DTYPE.int64, dims: [1], raw: new Uint8Array(BigInt64Array.of(-1n).buffer) },
      });
    }
    return axesConstant;
  };
  const sum = (x: string): string =>
    options.opsetVersion >= 13
      ? op('ReduceSum', [x, lastAxis()], { keepdims: { kind: 'int', value: 0 } })
      : op('ReduceSum', [x], { axes: ints([-1]), keepdims: { kind: 'int', value: 0 } });
  const ops: TargetOps<string> = {
    softmax: (x) => op('Softmax', [x], { axis: { kind: 'int', value: -1 } }),
    logSoftmax: (x) => op('LogSoftmax', [x], { axis: { kind: 'int', value: -1 } }),
    gather: (x, ids) => {
      const mask = new Float32Array(ids.length * vocab);
      for (let b = 0; b < ids.length; b++) mask[b * vocab + ids[b]] = 1;
      return sum(op('Mul', [x, feed('one_hot', mask, [ids.length, vocab])]));
    },
    add: (a, b) => op('Add', [a, b]),
    sub: (a, b) => op('Sub', [a, b]),
    mul: (a, b) => op('Mul', [a, b]),
    exp: (x) => op('Exp', [x]),
    log: (x) => op('Log', [x]),
    neg: (x) => op('Neg', [x]),
    sum,
    constant: (values, shape) => feed('constant', values, shape),
  };
  calls.push(`logits=${logits}`);
  const output = target.build(ops, logits, targetIds, context);
  return { nodes, initializers, inputs, feeds, output, signature: `${target.name}|${calls.join(';')}|out=${output}` };
}
