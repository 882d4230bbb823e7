import { type GradientContext, type GradientRule, attr, intAttribute, intsAttribute } from '../gradient-rule';

/** `dY` given back `X`'s shape: the gradient of any op that only rearranges or renames axes. */
const reshapeBack: GradientRule = {
  differentiableInputs: [0],
  gradient: (node, [dY], ctx) => (dY === undefined ? [] : [ctx.reshapeTo(dY, ctx.op('Shape', [node.inputs[0] as string]))]),
};

/** Flat (row-major) index of every element of `x`, in `x`'s shape (int64). */
function flatIndices(ctx: GradientContext, x: string): { indices: string; size: string } {
  const size = ctx.op('Size', [x]);
  const range = ctx.op('Range', [ctx.int64Constant([0], []), size, ctx.int64Constant([1], [])]);
  return { indices: ctx.reshapeTo(range, ctx.op('Shape', [x])), size };
}

/**
 * Scatters `dY` into zeros of `x`'s shape at the flat positions `picked` (same shape as `dY`),
 * summing repeated positions when `accumulate`.
 */
function scatterBack(ctx: GradientContext, x: string, size: string, picked: string, dY: string, accumulate: boolean): string {
  const flatPicked = ctx.op('Reshape', [picked, ctx.int64Constant([-1])]);
  const flatGradient = ctx.op('Reshape', [dY, ctx.int64Constant([-1])]);
  let flat: string;
  if (!accumulate || ctx.opsetVersion >= 16) {
    const zeros = ctx.zerosLike(ctx.op('Reshape', [x, ctx.int64Constant([-1])]));
    flat = ctx.op('ScatterElements', [zeros, flatPicked, flatGradient], { axis: attr.int(0), ...(accumulate ? { reduction: attr.string('add') } : {}) });
  } else {
    // Before opset 16 ScatterElements cannot add repeated positions: a one-hot matrix product does
    // (memory: positions × elements of X).
    const positions = ctx.op('Range', [ctx.int64Constant([0], []), size, ctx.int64Constant([1], [])]);
    const oneHot = ctx.castToFloat(ctx.op('Equal', [ctx.op('Unsqueeze', [flatPicked, ctx.int64Constant([1])]), positions]));
    flat = ctx.op('Reshape', [ctx.op('MatMul', [ctx.op('Reshape', [flatGradient, ctx.int64Constant([1, -1])]), oneHot]), ctx.int64Constant([-1])]);
  }
  return ctx.reshapeTo(flat, ctx.op('Shape', [x]));
}

/**
 * Shape and indexing rules; shape, index and axes inputs are not differentiable.
 *
 * - Reshape / Flatten / Squeeze / Unsqueeze: `dX = reshape(dY, shape(X))`
 * - Transpose(perm): `dX = transpose(dY, perm⁻¹)` (no perm: reversed axes, its own inverse)
 * - Concat(axis): `dXᵢ = split(dY, [shape(Xᵢ)[axis]]ᵢ, axis)ᵢ`
 * - Split(axis): `dX = concat(dYᵢ or zeros, axis)`
 * - Slice: `dX = zeros(shape(X))` with `dY` scattered at the sliced positions (found by slicing
 *   the flat indices of X the same way, so any steps and negative bounds work)
 * - Gather(axis) on the data input: `dX[…, indices[j], …] += dY[…, j, …]` (flat indices of X
 *   gathered the same way, scatter-added; repeated indices accumulate)
 * - Expand: `dX = dY` summed back to X's shape
 */
export const shapeRules: Record<string, GradientRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const perm = intsAttribute(node, 'perm');
      if (perm === undefined) return [ctx.op('Transpose', [dY])];
      const inverse = new Array<number>(perm.length);
      perm.forEach((axis, index) => {
        inverse[axis] = index;
      });
      return [ctx.op('Transpose', [dY], { perm: attr.ints(inverse) })];
    },
  },
  Concat: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const axis = intAttribute(node, 'axis', 0);
      const axisIndex = ctx.int64Constant([axis]);
      const sizes = node.inputs.map((x) => ctx.op('Gather', [ctx.op('Shape', [x]), axisIndex], { axis: attr.int(0) }));
      const lengths = sizes.length === 1 ? (sizes[0] as string) : ctx.op('Concat', sizes, { axis: attr.int(0) });
      return ctx.emit('Split', [dY, lengths], { axis: attr.int(axis) }, { outputCount: node.inputs.length });
    },
  },
  Split: {
    differentiableInputs: [0],
    gradient: (node, outputGradients, ctx) => {
      const axis = intAttribute(node, 'axis', 0);
      const parts = node.outputs.map((output, index) => outputGradients[index] ?? ctx.zerosLike(output));
      return [ctx.op('Concat', parts, { axis: attr.int(axis) })];
    },
  },
  Slice: {
    differentiableInputs: [0],
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const x = node.inputs[0] as string;
      const { indices, size } = flatIndices(ctx, x);
      const picked = ctx.op('Slice', [indices, ...node.inputs.slice(1)]);
      return [scatterBack(ctx, x, size, picked, dY, false)];
    },
  },
  Gather: {
    differentiableInputs: [0],
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const [x, gatherIndices] = node.inputs as [string, string];
      const { indices, size } = flatIndices(ctx, x);
      const picked = ctx.op('Gather', [indices, gatherIndices], { axis: attr.int(intAttribute(node, 'axis', 0)) });
      return [scatterBack(ctx, x, size, picked, dY, true)];
    },
  },
  Expand: {
    differentiableInputs: [0],
    gradient: (node, [dY], ctx) => (dY === undefined ? [] : [ctx.reduceToShapeOf(dY, node.inputs[0] as string, node.outputs[0])]),
  },
};
