import { type GradientContext, type GradientRule, intAttribute, intsAttribute } from '../gradient-rule';
import type { IrNode } from '../onnx-ir';

/** `dY` broadcast back to `X`'s shape, for ReduceSum / ReduceMean (axes as attribute before opset 13 / 18, as input after). */
function expandReduced(node: IrNode, dY: string, ctx: GradientContext): string {
  const x = node.inputs[0] as string;
  const axesInput = node.inputs[1];
  const axesAttribute = intsAttribute(node, 'axes');
  const hasAxes = (axesInput !== undefined && axesInput !== '') || (axesAttribute !== undefined && axesAttribute.length > 0);
  if (!hasAxes && intAttribute(node, 'noop_with_empty_axes', 0) !== 0) return ctx.op('Identity', [dY]);
  let widened = dY;
  if (hasAxes && intAttribute(node, 'keepdims', 1) === 0) {
    const axes = axesInput !== undefined && axesInput !== '' ? axesInput : ctx.int64Constant(axesAttribute ?? []);
    widened = ctx.op('Unsqueeze', [dY, axes]);
  }
  return ctx.op('Expand', [widened, ctx.op('Shape', [x])]);
}

/**
 * Reductions and softmaxes (axes / shape inputs not differentiable).
 *
 * - ReduceSum: `dX = expand(unsqueeze(dY, axes), shape(X))` (no unsqueeze when `keepdims`)
 * - ReduceMean: the same divided by `size(X) / size(Y)`
 * - Softmax(axis): `dX = Y·(dY - Σ_axis dY·Y)`
 * - LogSoftmax(axis): `dX = dY - exp(Y)·Σ_axis dY`
 */
export const reduceRules: Record<string, GradientRule> = {
  ReduceSum: {
    differentiableInputs: [0],
    gradient: (node, [dY], ctx) => (dY === undefined ? [] : [expandReduced(node, dY, ctx)]),
  },
  ReduceMean: {
    differentiableInputs: [0],
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const count = ctx.op('Div', [ctx.castToFloat(ctx.op('Size', [node.inputs[0] as string])), ctx.castToFloat(ctx.op('Size', [node.outputs[0] as string]))]);
      return [ctx.op('Div', [expandReduced(node, dY, ctx), count])];
    },
  },
  Softmax: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const y = node.outputs[0] as string;
      const axis = intAttribute(node, 'axis', -1);
      const dot = ctx.reduce('ReduceSum', ctx.op('Mul', [dY, y]), [axis], true);
      return [ctx.op('Mul', [y, ctx.op('Sub', [dY, dot])])];
    },
  },
  LogSoftmax: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const y = node.outputs[0] as string;
      const axis = intAttribute(node, 'axis', -1);
      const total = ctx.reduce('ReduceSum', dY, [axis], true);
      return [ctx.op('Sub', [dY, ctx.op('Mul', [ctx.op('Exp', [y]), total])])];
    },
  },
};
