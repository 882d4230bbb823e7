import { InvalidInputError, MissingCapabilityError, float32ToFloat16Bits } from '@inseq/core';
import { type GradientContext, type GradientRule, type GradientRuleRegistry, attr } from './gradient-rule';
import { ONNX_DTYPE, type IrAttribute, type IrGraph, type IrInitializer, type IrNode, type IrTensor } from './onnx-ir';
import { type ShapeTable, inferShapes, sameShape } from './infer-shapes';
import { gradientRules } from './rules';

/** What to differentiate: `d(sum(seed * output)) / d(wrt)`. */
export interface GradientGraphOptions {
  /** The differentiated value (e.g. one scalar per row). */
  readonly output: string;
  /** Name of the incoming gradient of {@link output} (same shape), fed by the caller. */
  readonly seed: string;
  /** Values (graph inputs, initializers or intermediate values) to differentiate with respect to. */
  readonly wrt: readonly string[];
  /** ai.onnx opset of the model (13 or more: emitted reductions take their axes as an input). @defaultValue 17 */
  readonly opsetVersion?: number;
  /** Element type of the gradients. @defaultValue the declared type of the first `wrt`, else float */
  readonly floatType?: number;
  /** @defaultValue {@link gradientRules} */
  readonly rules?: GradientRuleRegistry;
  /** Prefix of every generated value, node and initializer name. @defaultValue 'grad/' */
  readonly prefix?: string;
}

/** The nodes and constants to append to the graph, and the value holding each `wrt`'s gradient. */
export interface GradientGraph {
  /** In topological order, after the graph's own nodes. */
  readonly nodes: IrNode[];
  readonly initializers: IrInitializer[];
  /** `wrt` name → name of the value holding its gradient (always a value produced by {@link nodes}). */
  readonly gradients: Record<string, string>;
}

function ruleKey(node: IrNode): string {
  return node.domain === undefined || node.domain === '' || node.domain === 'ai.onnx' ? node.opType : `${node.domain}:${node.opType}`;
}

function lookupRule(rules: GradientRuleRegistry, node: IrNode): GradientRule | undefined {
  return rules[ruleKey(node)];
}

function differentiableIndices(rule: GradientRule | undefined, node: IrNode): readonly number[] {
  if (rule === undefined) return node.inputs.map((_, index) => index);
  if (rule.gradient === undefined) return [];
  return rule.differentiableInputs ?? node.inputs.map((_, index) => index);
}

function declaredType(graph: IrGraph, name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  for (const info of [...graph.inputs, ...graph.valueInfo, ...graph.outputs]) if (info.name === name) return info.dataType;
  for (const init of graph.initializers) if ('tensor' in init && init.name === name) return init.tensor.dataType;
  return undefined;
}

function tensorBytes(dataType: number, values: readonly number[]): Uint8Array {
  switch (dataType) {
    case ONNX_DTYPE.float:
      return new Uint8Array(Float32Array.from(values).buffer);
    case ONNX_DTYPE.double:
      return new Uint8Array(Float64Array.from(values).buffer);
    case ONNX_DTYPE.float16:
      return new Uint8Array(Uint16Array.from(float32ToFloat16Bits(values)).buffer);
    case ONNX_DTYPE.int64:
      return new Uint8Array(BigInt64Array.from(values, (value) => BigInt(value)).buffer);
    default:
      throw new InvalidInputError(`The gradient builder cannot write constants of ONNX data type ${dataType}.`, { code: 'INVALID_ARGUMENT' });
  }
}

/**
 * Builds the reverse-mode gradient graph of `options.output` with respect to `options.wrt`: new
 * ONNX nodes (and small constant initializers) that, appended to `graph` and given the incoming
 * gradient `options.seed`, compute `d(sum(seed * output)) / d(x)` for each `x` of `wrt`.
 *
 * Only nodes on a path from some `wrt` to the output through differentiable inputs are visited,
 * in reverse topological order (shape, index and mask computations are pruned); gradients of
 * values used several times are summed. A `wrt` that does not reach the output gets zeros.
 * Emitted nodes that no `wrt`'s gradient reads (the gradients of weights and of other inputs off
 * the paths) are dropped: on a 4+4-layer Marian the joined encoder-decoder gradient graph runs in
 * half the time without them (ONNX Runtime runs every node of a graph, read or not).
 *
 * `seed` has the shape of `output`: ones `[batch]` for a per-row target, or any incoming gradient
 * (e.g. `[batch, sourceLength, hidden]` on an encoder's `last_hidden_state` for a vector-Jacobian
 * product).
 *
 * @throws MissingCapabilityError when a node on a path has an op type with no rule (the message
 *   names the op type and the node).
 */
export function buildGradientGraph(graph: IrGraph, options: GradientGraphOptions): GradientGraph {
  const rules = options.rules ?? gradientRules;
  const prefix = options.prefix ?? 'grad/';
  const opsetVersion = options.opsetVersion ?? 17;
  if (opsetVersion < 13) {
    throw new MissingCapabilityError(`Gradient graphs need ai.onnx opset 13 or more; this model declares ${opsetVersion}.`);
  }
  const floatType = options.floatType ?? declaredType(graph, options.wrt[0]) ?? ONNX_DTYPE.float;

  const taken = new Set<string>();
  for (const node of graph.nodes) {
    taken.add(node.name);
    for (const name of [...node.inputs, ...node.outputs]) taken.add(name);
  }
  for (const info of [...graph.inputs, ...graph.outputs, ...graph.valueInfo, ...graph.initializers]) taken.add(info.name);
  taken.add(options.seed);
  let counter = 0;
  const fresh = (hint: string): string => {
    for (;;) {
      const name = `${prefix}${hint}_${counter++}`;
      if (!taken.has(name)) {
        taken.add(name);
        return name;
      }
    }
  };

  const nodes: IrNode[] = [];
  const initializers: IrInitializer[] = [];
  const constants = new Map<string, string>();
  const constant = (dataType: number, values: readonly number[], dims: readonly number[]): string => {
    const key = `${dataType}|${dims.join(',')}|${values.join(',')}`;
    const known = constants.get(key);
    if (known !== undefined) return known;
    const name = fresh('const');
    initializers.push({ name, tensor: { name, dataType, dims: [...dims], raw: tensorBytes(dataType, values) } });
    constants.set(key, name);
    return name;
  };
  const tensorAttribute = (dataType: number, value: number): IrAttribute => {
    const tensor: IrTensor = { name: 'value', dataType, dims: [1], raw: tensorBytes(dataType, [value]) };
    return { kind: 'tensor', value: tensor };
  };

  /** Static shapes of the graph's values, inferred on first use. */
  let shapes: ShapeTable | undefined;
  const ctx: GradientContext = {
    opsetVersion,
    floatType,
    fresh,
    emit(opType, inputs, attributes = {}, emitOptions = {}) {
      const outputs = Array.from({ length: emitOptions.outputCount ?? 1 }, () => fresh(opType));
      const node: IrNode = { opType, name: fresh(`${opType}_node`), inputs: [...inputs], outputs, attributes, ...(emitOptions.domain ? { domain: emitOptions.domain } : {}) };
      nodes.push(node);
      return outputs;
    },
    op(opType, inputs, attributes) {
      return ctx.emit(opType, inputs, attributes)[0] as string;
    },
    floatConstant(values, dims) {
      const list = typeof values === 'number' ? [values] : values;
      return constant(floatType, list, dims ?? (typeof values === 'number' ? [] : [list.length]));
    },
    int64Constant(values, dims) {
      return constant(ONNX_DTYPE.int64, values, dims ?? [values.length]);
    },
    shapeOf(value) {
      shapes ??= inferShapes(graph);
      return shapes.shapeOf(value);
    },
    reduceToShapeOf(grad, input, like) {
      const target = ctx.shapeOf(input);
      const full = like === undefined ? undefined : ctx.shapeOf(like);
      if (target && full) {
        if (sameShape(target, full)) return grad;
        const lead = full.length - target.length;
        const axes = Array.from({ length: Math.max(0, lead) }, (_, i) => i);
        const decided = lead >= 0 && target.every((dim, i) => dim === full[lead + i] || (dim === 1 && axes.push(lead + i) > 0));
        if (decided) {
          const summed = ctx.reduce('ReduceSum', grad, axes, true);
          return lead === 0 ? summed : ctx.op('Squeeze', [summed, ctx.int64Constant(axes.slice(0, lead))]);
        }
      }
      const gradShape = ctx.op('Shape', [grad]);
      const inputShape = ctx.op('Shape', [input]);
      const rankGap = ctx.op('Sub', [ctx.op('Size', [gradShape]), ctx.op('Size', [inputShape])]);
      const ones = ctx.op('ConstantOfShape', [ctx.op('Reshape', [rankGap, ctx.int64Constant([1])])], { value: tensorAttribute(ONNX_DTYPE.int64, 1) });
      const padded = ctx.op('Concat', [ones, inputShape], { axis: attr.int(0) });
      const broadcast = ctx.op('Not', [ctx.op('Equal', [padded, gradShape])]);
      const axes = ctx.op('Reshape', [ctx.op('NonZero', [broadcast]), ctx.int64Constant([-1])]);
      const summed = ctx.op('ReduceSum', [grad, axes], { keepdims: attr.int(1), noop_with_empty_axes: attr.int(1) });
      return ctx.reshapeTo(summed, inputShape);
    },
    reshapeTo(value, shape) {
      return ctx.op('Reshape', [value, shape], opsetVersion >= 14 ? { allowzero: attr.int(1) } : {});
    },
    zerosLike(value) {
      return ctx.op('ConstantOfShape', [ctx.op('Shape', [value])], { value: tensorAttribute(floatType, 0) });
    },
    reduce(opType, input, axes, keepdims) {
      const axesAsInput = opType === 'ReduceSum' ? opsetVersion >= 13 : opsetVersion >= 18;
      const attributes: Record<string, IrAttribute> = { keepdims: attr.int(keepdims ? 1 : 0) };
      if (axes.length === 0) return ctx.op(opType, [input], attributes);
      if (axesAsInput) return ctx.op(opType, [input, ctx.int64Constant(axes)], attributes);
      return ctx.op(opType, [input], { ...attributes, axes: attr.ints(axes) });
    },
    castToFloat(value) {
      return ctx.op('Cast', [value], { to: attr.int(floatType) });
    },
  };

  // Values reached from some wrt through differentiable inputs.
  const reached = new Set(options.wrt);
  const onForwardPath = new Set<IrNode>();
  for (const node of graph.nodes) {
    const rule = lookupRule(rules, node);
    if (differentiableIndices(rule, node).some((index) => reached.has(node.inputs[index] ?? ''))) {
      onForwardPath.add(node);
      for (const output of node.outputs) if (output !== '') reached.add(output);
    }
  }
  // Values the output depends on through differentiable inputs.
  const needed = new Set([options.output]);
  const onPath: IrNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i] as IrNode;
    if (!node.outputs.some((output) => needed.has(output))) continue;
    const rule = lookupRule(rules, node);
    for (const index of differentiableIndices(rule, node)) {
      const input = node.inputs[index];
      if (input !== undefined && input !== '') needed.add(input);
    }
    if (onForwardPath.has(node)) onPath.push(node);
  }

  const contributions = new Map<string, string[]>([[options.output, [options.seed]]]);
  const gradientOf = (value: string): string | undefined => {
    const list = contributions.get(value);
    if (list === undefined || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const sum = ctx.op('Sum', list);
    contributions.set(value, [sum]);
    return sum;
  };

  for (const node of onPath) {
    const outputGradients = node.outputs.map((output) => (output === '' ? undefined : gradientOf(output)));
    if (outputGradients.every((gradient) => gradient === undefined)) continue;
    const rule = lookupRule(rules, node);
    if (rule?.gradient === undefined) {
      const domain = node.domain ? ` (domain '${node.domain}')` : '';
      throw new MissingCapabilityError(`No gradient rule for ONNX op '${node.opType}'${domain}, used by node '${node.name}' on the path to '${options.output}'.`);
    }
    const inputGradients = rule.gradient(node, outputGradients, ctx);
    const differentiable = differentiableIndices(rule, node);
    node.inputs.forEach((input, index) => {
      const gradient = inputGradients[index];
      if (gradient === undefined || input === '' || !differentiable.includes(index) || !reached.has(input)) return;
      const list = contributions.get(input) ?? [];
      list.push(gradient);
      contributions.set(input, list);
    });
  }

  const gradients: Record<string, string> = {};
  for (const name of options.wrt) {
    let gradient = gradientOf(name) ?? ctx.zerosLike(name);
    // The seed itself (wrt = output, or only Identity-free paths): give it a value of its own.
    if (!nodes.some((node) => node.outputs.includes(gradient))) gradient = ctx.op('Identity', [gradient]);
    gradients[name] = gradient;
  }
  // Rules emit the gradient of every input of a node; those of weights and of other values off
  // the path to a wrt (a MatMul's weight gradient is a product as large as its input's) are never
  // read: dropped, with the constants only they used.
  const live = new Set(Object.values(gradients));
  const kept: IrNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as IrNode;
    if (!node.outputs.some((output) => live.has(output))) continue;
    kept.push(node);
    for (const input of node.inputs) live.add(input);
  }
  return { nodes: kept.reverse(), initializers: initializers.filter((init) => live.has(init.name)), gradients };
}
