import { onnxTensorFields } from '../onnx/read-onnx-initializer';
import { ONNX_DTYPE, type IrAttribute, type IrGraph, type IrNode, type IrTensor } from './onnx-ir';

/**
 * A dimension known at build time: a number, or a symbol standing for one run-time value. Equal
 * symbols are equal at run time (the same graph-input dimension name, or one value passed on);
 * a dimension nothing is known of gets a fresh symbol equal to no other.
 */
export type Dim = number | string;

/** Static shapes of a graph's values, and the contents of the small integer tensors that shapes are computed from. */
export interface ShapeTable {
  /** The value's shape, or `undefined` when not inferred. */
  shapeOf(value: string): readonly Dim[] | undefined;
  /** The elements of a small int tensor (a shape, axes, an index), or `undefined`. */
  contentsOf(value: string): readonly Dim[] | undefined;
}

/** Largest int tensor whose contents are tracked (shape vectors and indices are tiny). */
const MAX_TRACKED = 16;

const INT64_BIG = 2 ** 62;

function intAttr(node: IrNode, name: string): number | undefined {
  const attribute = node.attributes[name];
  return attribute?.kind === 'int' ? attribute.value : undefined;
}

function intsAttr(node: IrNode, name: string): readonly number[] | undefined {
  const attribute = node.attributes[name];
  return attribute?.kind === 'ints' ? attribute.value : undefined;
}

/** Dims and (for small int tensors) elements of a tensor: an IR tensor or `TensorProto` bytes. */
function tensorInfo(tensor: IrTensor | { readonly proto: Uint8Array }): { dims: number[]; contents?: number[] } {
  let dataType: number;
  let dims: number[];
  let raw: Uint8Array | undefined;
  let int32s: number[] = [];
  if ('proto' in tensor) {
    const fields = onnxTensorFields(tensor.proto);
    ({ dataType, dims, raw } = fields);
    int32s = fields.int32s;
  } else {
    ({ dataType, raw } = tensor);
    dims = [...tensor.dims];
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_TRACKED) return { dims };
  if (dataType === ONNX_DTYPE.int64 && raw && raw.byteLength === count * 8) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return { dims, contents: Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true))) };
  }
  if (dataType === ONNX_DTYPE.int32 && raw && raw.byteLength === count * 4) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return { dims, contents: Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true)) };
  }
  if (dataType === ONNX_DTYPE.int32 && !raw && int32s.length === count) return { dims, contents: int32s };
  return { dims };
}

/**
 * `product(whole) / product(part)` where it can be told: numbers divided, symbols of `part`
 * cancelled against the same symbols of `whole`; `undefined` otherwise (the `-1` of a `Reshape`).
 */
function quotient(whole: readonly Dim[], part: readonly Dim[]): Dim | undefined {
  const left = whole.filter((dim): dim is string => typeof dim === 'string');
  let numerator = whole.reduce<number>((product, dim) => (typeof dim === 'number' ? product * dim : product), 1);
  let denominator = 1;
  for (const dim of part) {
    if (typeof dim === 'number') denominator *= dim;
    else {
      const at = left.indexOf(dim);
      if (at < 0) return undefined;
      left.splice(at, 1);
    }
  }
  if (denominator === 0 || numerator % denominator !== 0) return undefined;
  numerator /= denominator;
  if (left.length === 0) return numerator;
  return left.length === 1 && numerator === 1 ? left[0] : undefined;
}

function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * Infers, in one pass over `graph`'s nodes (topologically ordered), the shapes of its values
 * with symbolic dimensions, following what shape computations feed `Reshape` / `Expand` /
 * `Slice` (the contents of small int tensors: `Shape`, `Gather`, `Concat`, `Unsqueeze`, …).
 * Only what is certain is recorded: a value whose shape cannot be told is left out, a dimension
 * that cannot be told gets a fresh symbol. The gradient builder uses it to leave out run-time
 * broadcasting reductions where an input provably has its output's shape.
 */
export function inferShapes(graph: IrGraph): ShapeTable {
  const shapes = new Map<string, Dim[]>();
  const contents = new Map<string, Dim[]>();
  let counter = 0;
  const fresh = (): string => `?${counter++}`;

  for (const input of graph.inputs) {
    if (input.shape) shapes.set(input.name, input.shape.map((dim) => (dim === undefined || dim === '' ? fresh() : dim)));
  }
  for (const initializer of graph.initializers) {
    const info = tensorInfo('tensor' in initializer ? initializer.tensor : { proto: initializer.proto });
    shapes.set(initializer.name, info.dims);
    if (info.contents) contents.set(initializer.name, info.contents);
  }

  const sameDim = (a: Dim, b: Dim) => a === b;
  /** numpy broadcasting of two shapes; `undefined` when a pair of dims cannot be told. */
  const broadcast = (a: readonly Dim[], b: readonly Dim[]): Dim[] | undefined => {
    const rank = Math.max(a.length, b.length);
    const out: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      const x = a[a.length - rank + i] ?? 1;
      const y = b[b.length - rank + i] ?? 1;
      if (x === 1) out.push(y);
      else if (y === 1) out.push(x);
      else if (sameDim(x, y)) out.push(x);
      else if (typeof x === 'number' && typeof y === 'string') out.push(x);
      else if (typeof y === 'number' && typeof x === 'string') out.push(y);
      else return undefined;
    }
    return out;
  };
  const arith = (op: string, x: Dim, y: Dim): Dim => {
    if (typeof x === 'number' && typeof y === 'number') {
      if (op === 'Add') return x + y;
      if (op === 'Sub') return x - y;
      if (op === 'Mul') return x * y;
      if (op === 'Div' && y !== 0) return Math.trunc(x / y);
    }
    if (op === 'Sub' && x === y) return 0;
    if (op === 'Div' && x === y) return 1;
    if ((op === 'Add' || op === 'Sub') && y === 0) return x;
    if (op === 'Add' && x === 0) return y;
    if ((op === 'Mul' || op === 'Div') && y === 1) return x;
    if (op === 'Mul' && x === 1) return y;
    return fresh();
  };
  const sumDims = (dims: readonly Dim[]): Dim => {
    const symbols = dims.filter((dim) => typeof dim === 'string');
    const numeric = dims.filter((dim): dim is number => typeof dim === 'number').reduce((a, b) => a + b, 0);
    if (symbols.length === 0) return numeric;
    if (symbols.length === 1 && numeric === 0) return symbols[0] as string;
    return fresh();
  };

  const setAll = (node: IrNode, shape: Dim[] | undefined) => {
    if (shape) for (const output of node.outputs) if (output !== '') shapes.set(output, shape);
  };

  for (const node of graph.nodes) {
    if (node.domain && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') continue;
    const inShape = (index: number) => (node.inputs[index] ? shapes.get(node.inputs[index] as string) : undefined);
    const inContents = (index: number) => (node.inputs[index] ? contents.get(node.inputs[index] as string) : undefined);
    const numbers = (index: number): number[] | undefined => {
      const values = inContents(index);
      return values?.every((value) => typeof value === 'number') ? (values as number[]) : undefined;
    };
    const out = node.outputs[0] ?? '';
    const x = inShape(0);
    switch (node.opType) {
      case 'Constant': {
        const value: IrAttribute | undefined = node.attributes.value;
        if (value?.kind === 'tensor') {
          const info = tensorInfo(value.value);
          shapes.set(out, info.dims);
          if (info.contents) contents.set(out, info.contents);
        } else if (node.attributes.value_int) {
          shapes.set(out, []);
          contents.set(out, [intAttr(node, 'value_int') as number]);
        } else if (node.attributes.value_ints) {
          const values = intsAttr(node, 'value_ints') as number[];
          shapes.set(out, [values.length]);
          contents.set(out, values);
        } else if (node.attributes.value_float) shapes.set(out, []);
        break;
      }
      case 'Identity':
      case 'Cast':
      case 'CastLike':
      case 'Neg':
      case 'Abs':
      case 'Floor':
      case 'Ceil':
      case 'Round':
      case 'Sqrt':
      case 'Reciprocal':
      case 'Exp':
      case 'Log':
      case 'Tanh':
      case 'Sigmoid':
      case 'Erf':
      case 'Relu':
      case 'Sin':
      case 'Cos':
      case 'Not':
      case 'Softmax':
      case 'LogSoftmax':
      case 'Trilu':
      case 'Gelu':
      case 'FastGelu':
      case 'BiasGelu':
      case 'QuickGelu':
      case 'IsNaN':
      case 'IsInf':
      case 'ScatterND':
      case 'ScatterElements':
      case 'Dropout':
        if (x) shapes.set(out, x);
        if (['Identity', 'Cast', 'Neg'].includes(node.opType) && inContents(0)) {
          const values = inContents(0) as Dim[];
          contents.set(out, node.opType === 'Neg' ? values.map((v) => (typeof v === 'number' ? -v : fresh())) : values);
        }
        break;
      case 'LayerNormalization':
      case 'SimplifiedLayerNormalization':
      case 'SkipLayerNormalization':
      case 'SkipSimplifiedLayerNormalization':
        if (x) shapes.set(out, x);
        if (x && node.opType.startsWith('Skip') && node.outputs[3]) shapes.set(node.outputs[3], x);
        break;
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Pow':
      case 'Equal':
      case 'Less':
      case 'LessOrEqual':
      case 'Greater':
      case 'GreaterOrEqual':
      case 'And':
      case 'Or':
      case 'Xor':
      case 'Max':
      case 'Min':
      case 'Mod':
      case 'Where':
      case 'Sum':
      case 'Mean': {
        const all = node.inputs.map((_, i) => inShape(i));
        if (all.some((shape) => shape === undefined)) break;
        let shape: Dim[] | undefined = all[0] as Dim[];
        for (const other of all.slice(1)) shape = shape && broadcast(shape, other as Dim[]);
        if (shape) shapes.set(out, shape);
        const a = inContents(0);
        const b = inContents(1);
        if (['Add', 'Sub', 'Mul', 'Div'].includes(node.opType) && a && b && node.inputs.length === 2) {
          if (a.length === b.length) contents.set(out, a.map((v, i) => arith(node.opType, v, b[i] as Dim)));
          else if (b.length === 1 && shape?.length === (inShape(0) as Dim[]).length) contents.set(out, a.map((v) => arith(node.opType, v, b[0] as Dim)));
          else if (a.length === 1 && shape?.length === (inShape(1) as Dim[]).length) contents.set(out, b.map((v) => arith(node.opType, a[0] as Dim, v)));
        }
        break;
      }
      case 'MatMul': {
        const b = inShape(1);
        if (!x || !b || x.length < 2 || b.length < 2) break;
        const batch = broadcast(x.slice(0, -2), b.slice(0, -2));
        if (batch) shapes.set(out, [...batch, x[x.length - 2] as Dim, b[b.length - 1] as Dim]);
        break;
      }
      case 'Gemm': {
        const b = inShape(1);
        if (!x || !b || x.length !== 2 || b.length !== 2) break;
        const m = intAttr(node, 'transA') ? x[1] : x[0];
        const n = intAttr(node, 'transB') ? b[0] : b[1];
        shapes.set(out, [m as Dim, n as Dim]);
        break;
      }
      case 'Transpose': {
        if (!x) break;
        const perm = intsAttr(node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
        shapes.set(out, perm.map((axis) => x[axis] as Dim));
        break;
      }
      case 'Shape': {
        if (!x) break;
        const rank = x.length;
        const start = normalizeAxis(Math.max(-rank, Math.min(rank, intAttr(node, 'start') ?? 0)), rank);
        const end = normalizeAxis(Math.max(-rank, Math.min(rank, intAttr(node, 'end') ?? rank)), rank);
        const dims = x.slice(start, Math.max(start, end));
        shapes.set(out, [dims.length]);
        contents.set(out, dims);
        break;
      }
      case 'Size':
        shapes.set(out, []);
        if (x) contents.set(out, [x.every((d) => typeof d === 'number') ? (x as number[]).reduce((a, b) => a * b, 1) : fresh()]);
        break;
      case 'Reshape': {
        const target = inContents(1);
        if (!x || !target) break;
        const allowZero = intAttr(node, 'allowzero') === 1;
        const dims: Dim[] = target.map((dim, i) => (dim === 0 && !allowZero ? (x[i] as Dim) : dim));
        const unknown = dims.indexOf(-1);
        if (unknown >= 0) dims[unknown] = quotient(x, dims.filter((_, i) => i !== unknown)) ?? fresh();
        shapes.set(out, dims);
        break;
      }
      case 'Flatten': {
        if (!x) break;
        const axis = normalizeAxis(intAttr(node, 'axis') ?? 1, x.length);
        const product = (dims: readonly Dim[]): Dim =>
          dims.length === 0 ? 1 : dims.length === 1 ? (dims[0] as Dim) : dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((a, b) => a * b, 1) : fresh();
        shapes.set(out, [product(x.slice(0, axis)), product(x.slice(axis))]);
        break;
      }
      case 'Unsqueeze':
      case 'Squeeze': {
        if (!x) break;
        const axes = node.inputs[1] ? numbers(1) : intsAttr(node, 'axes');
        if (node.opType === 'Unsqueeze') {
          if (!axes) break;
          const rank = x.length + axes.length;
          const positions = new Set(axes.map((axis) => normalizeAxis(axis, rank)));
          const dims: Dim[] = [];
          let next = 0;
          for (let i = 0; i < rank; i++) dims.push(positions.has(i) ? 1 : (x[next++] as Dim));
          shapes.set(out, dims);
          if (inContents(0) && x.length === 0) contents.set(out, inContents(0) as Dim[]);
          else if (inContents(0)) contents.set(out, inContents(0) as Dim[]);
        } else {
          const drop = axes ? new Set(axes.map((axis) => normalizeAxis(axis, x.length))) : new Set(x.flatMap((d, i) => (d === 1 ? [i] : [])));
          if (!axes && x.some((d) => typeof d === 'string')) break;
          shapes.set(out, x.filter((_, i) => !drop.has(i)));
          if (inContents(0)) contents.set(out, inContents(0) as Dim[]);
        }
        break;
      }
      case 'Concat': {
        const all = node.inputs.map((_, i) => inShape(i));
        if (all.some((shape) => shape === undefined) || all.length === 0) break;
        const rank = (all[0] as Dim[]).length;
        const axis = normalizeAxis(intAttr(node, 'axis') ?? 0, rank);
        const dims = [...(all[0] as Dim[])];
        dims[axis] = sumDims(all.map((shape) => (shape as Dim[])[axis] as Dim));
        shapes.set(out, dims);
        const parts = node.inputs.map((_, i) => inContents(i));
        if (rank === 1 && parts.every((part) => part !== undefined)) contents.set(out, parts.flat() as Dim[]);
        break;
      }
      case 'Split': {
        if (!x) break;
        const axis = normalizeAxis(intAttr(node, 'axis') ?? 0, x.length);
        const sizes = node.inputs[1] ? numbers(1) : intsAttr(node, 'split');
        const whole = x[axis] as Dim;
        node.outputs.forEach((output, i) => {
          let size: Dim;
          if (sizes) size = sizes[i] as number;
          else if (typeof whole === 'number' && whole % node.outputs.length === 0) size = whole / node.outputs.length;
          else size = fresh();
          const dims = [...x];
          dims[axis] = size;
          shapes.set(output, dims);
        });
        break;
      }
      case 'Slice': {
        const starts = numbers(1);
        const ends = inContents(2);
        if (!x || !starts || !ends) break;
        const axes = node.inputs[3] ? numbers(3) : starts.map((_, i) => i);
        const steps = node.inputs[4] ? numbers(4) : starts.map(() => 1);
        if (!axes || !steps) break;
        const dims = [...x];
        const sliced = inContents(0);
        let slicedContents: Dim[] | undefined = x.length === 1 && sliced ? [...sliced] : undefined;
        axes.forEach((rawAxis, i) => {
          const axis = normalizeAxis(rawAxis, x.length);
          const dim = x[axis] as Dim;
          const [start, end, step] = [starts[i] as number, ends[i] as Dim, steps[i] as number];
          if (typeof end === 'string') {
            // `x[:n]` with n a symbol: a table of positions cut to the sequence length, which fits it.
            dims[axis] = start === 0 && step === 1 ? end : fresh();
            slicedContents = undefined;
            return;
          }
          if (step === 1 && start === 0 && end >= INT64_BIG) return;
          if (typeof dim === 'number') {
            const clamp = (v: number, low: number, high: number) => Math.max(low, Math.min(high, v < 0 ? v + dim : v));
            const s = step > 0 ? clamp(start, 0, dim) : clamp(start, -1, dim - 1);
            const e = step > 0 ? clamp(end, 0, dim) : clamp(end, -1, dim - 1);
            dims[axis] = Math.max(0, Math.ceil((e - s) / step));
            if (slicedContents && axis === 0) {
              const picked: Dim[] = [];
              for (let k = s; step > 0 ? k < e : k > e; k += step) picked.push(slicedContents[k] as Dim);
              slicedContents = picked;
            }
          } else {
            dims[axis] = fresh();
            slicedContents = undefined;
          }
        });
        shapes.set(out, dims);
        if (slicedContents) contents.set(out, slicedContents);
        break;
      }
      case 'Gather': {
        const indices = inShape(1);
        if (!x || !indices) break;
        const axis = normalizeAxis(intAttr(node, 'axis') ?? 0, x.length);
        shapes.set(out, [...x.slice(0, axis), ...indices, ...x.slice(axis + 1)]);
        const data = inContents(0);
        const picks = numbers(1);
        if (data && picks && x.length === 1) contents.set(out, picks.map((i) => data[i < 0 ? i + data.length : i] as Dim));
        break;
      }
      case 'Expand': {
        const target = inContents(1);
        if (!x || !target) break;
        const shape = broadcast(x, target);
        if (shape) shapes.set(out, shape);
        break;
      }
      case 'ConstantOfShape': {
        const target = inContents(0);
        if (target) shapes.set(out, [...target]);
        break;
      }
      case 'Range': {
        const [start, limit, delta] = [inContents(0)?.[0], inContents(1)?.[0], inContents(2)?.[0]];
        let size: Dim = fresh();
        if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number' && delta !== 0) size = Math.max(0, Math.ceil((limit - start) / delta));
        else if (start === 0 && delta === 1 && limit !== undefined) size = limit;
        shapes.set(out, [size]);
        break;
      }
      case 'ReduceSum':
      case 'ReduceMean':
      case 'ReduceMax':
      case 'ReduceMin':
      case 'ReduceProd':
      case 'ReduceL2': {
        if (!x) break;
        const axesFromInput = node.inputs[1] !== undefined && node.inputs[1] !== '';
        const axes = axesFromInput ? numbers(1) : intsAttr(node, 'axes');
        if (axesFromInput && !axes) break;
        const keep = (intAttr(node, 'keepdims') ?? 1) === 1;
        const reduced = new Set((axes && axes.length > 0 ? axes : intAttr(node, 'noop_with_empty_axes') === 1 ? [] : x.map((_, i) => i)).map((a) => normalizeAxis(a, x.length)));
        shapes.set(out, keep ? x.map((d, i) => (reduced.has(i) ? 1 : d)) : x.filter((_, i) => !reduced.has(i)));
        break;
      }
      default:
        setAll(node, undefined);
    }
  }
  return { shapeOf: (value) => shapes.get(value), contentsOf: (value) => contents.get(value) };
}

/** Whether two inferred shapes are certainly equal. */
export function sameShape(a: readonly Dim[] | undefined, b: readonly Dim[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((dim, i) => dim === b[i]);
}
