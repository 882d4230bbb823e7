import { type GradientContext, type GradientRule, intAttribute } from '../gradient-rule';
import type { IrNode } from '../onnx-ir';

/** Inputs of a node, with the optional ones `''`. */
function input(node: IrNode, index: number): string {
  return node.inputs[index] ?? '';
}

/** `g` summed back to the shape of input `index` (undoes numpy broadcasting). */
function reduced(ctx: GradientContext, node: IrNode, index: number, g: string): string {
  return ctx.reduceToShapeOf(g, input(node, index), node.outputs[0]);
}

/** A rule for a unary op whose gradient is `dY * f(X, Y)`. */
function unary(factor: (ctx: GradientContext, x: string, y: string, dY: string) => string): GradientRule {
  return {
    gradient: (node, [dY], ctx) => (dY === undefined ? [] : [factor(ctx, input(node, 0), node.outputs[0] as string, dY)]),
  };
}

/**
 * Elementwise rules (numpy broadcasting undone by summing each input's gradient back to its shape):
 *
 * - Add: `dA = dY`, `dB = dY`; Sub: `dA = dY`, `dB = -dY`
 * - Mul: `dA = dY·B`, `dB = dY·A`; Div (`Y = A/B`): `dA = dY/B`, `dB = -dY·Y/B`
 * - Pow (`Y = A^B`): `dA = dY·B·A^(B-1)`, `dB = dY·Y·ln A`
 * - Neg: `-dY`; Identity: `dY`; Cast: `dY` cast back to the input type
 * - Sqrt: `dY / (2Y)`; Reciprocal: `-dY·Y²`; Exp: `dY·Y`; Log: `dY / X`
 * - Tanh: `dY·(1 - Y²)`; Sigmoid: `dY·Y·(1 - Y)`; Erf: `dY·2/√π·exp(-X²)`; Relu: `dY·[X > 0]`
 * - Where(C, A, B): `dA = where(C, dY, 0)`, `dB = where(C, 0, dY)`; C is not differentiable
 * - Sum(X₁…Xₙ): `dXᵢ = dY`; Abs: `dY·sign(X)`; Sin: `dY·cos X`; Cos: `-dY·sin X`
 * - Clip(X, min?, max?): `dY·[min ≤ X ≤ max]`; Dropout (inference mode): `dY`
 */
export const elementwiseRules: Record<string, GradientRule> = {
  Add: {
    gradient: (node, [dY], ctx) => (dY === undefined ? [] : [reduced(ctx, node, 0, dY), reduced(ctx, node, 1, dY)]),
  },
  Sub: {
    gradient: (node, [dY], ctx) => (dY === undefined ? [] : [reduced(ctx, node, 0, dY), reduced(ctx, node, 1, ctx.op('Neg', [dY]))]),
  },
  Mul: {
    gradient: (node, [dY], ctx) =>
      dY === undefined ? [] : [reduced(ctx, node, 0, ctx.op('Mul', [dY, input(node, 1)])), reduced(ctx, node, 1, ctx.op('Mul', [dY, input(node, 0)]))],
  },
  Div: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const b = input(node, 1);
      const dA = reduced(ctx, node, 0, ctx.op('Div', [dY, b]));
      const dB = reduced(ctx, node, 1, ctx.op('Neg', [ctx.op('Div', [ctx.op('Mul', [dY, node.outputs[0] as string]), b])]));
      return [dA, dB];
    },
  },
  Pow: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const a = input(node, 0);
      const exponent = ctx.castToFloat(input(node, 1));
      const power = ctx.op('Pow', [a, ctx.op('Sub', [exponent, ctx.floatConstant(1)])]);
      const dA = reduced(ctx, node, 0, ctx.op('Mul', [dY, ctx.op('Mul', [exponent, power])]));
      const dB = reduced(ctx, node, 1, ctx.op('Mul', [dY, ctx.op('Mul', [node.outputs[0] as string, ctx.op('Log', [a])])]));
      return [dA, dB];
    },
  },
  Neg: unary((ctx, _x, _y, dY) => ctx.op('Neg', [dY])),
  Identity: unary((ctx, _x, _y, dY) => ctx.op('Identity', [dY])),
  Cast: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const to = intAttribute(node, 'to', 0);
      // Casts to integer or bool types carry no gradient.
      if (![1, 10, 11, 16].includes(to)) return [];
      if (ctx.opsetVersion >= 15) return [ctx.op('CastLike', [dY, input(node, 0)])];
      return [ctx.castToFloat(dY)];
    },
  },
  Sqrt: unary((ctx, _x, y, dY) => ctx.op('Div', [dY, ctx.op('Add', [y, y])])),
  Reciprocal: unary((ctx, _x, y, dY) => ctx.op('Neg', [ctx.op('Mul', [dY, ctx.op('Mul', [y, y])])])),
  Exp: unary((ctx, _x, y, dY) => ctx.op('Mul', [dY, y])),
  Log: unary((ctx, x, _y, dY) => ctx.op('Div', [dY, x])),
  Tanh: unary((ctx, _x, y, dY) => ctx.op('Mul', [dY, ctx.op('Sub', [ctx.floatConstant(1), ctx.op('Mul', [y, y])])])),
  Sigmoid: unary((ctx, _x, y, dY) => ctx.op('Mul', [dY, ctx.op('Mul', [y, ctx.op('Sub', [ctx.floatConstant(1), y])])])),
  Erf: unary((ctx, x, _y, dY) => {
    const gauss = ctx.op('Exp', [ctx.op('Neg', [ctx.op('Mul', [x, x])])]);
    return ctx.op('Mul', [dY, ctx.op('Mul', [gauss, ctx.floatConstant(2 / Math.sqrt(Math.PI))])]);
  }),
  Relu: unary((ctx, x, _y, dY) => ctx.op('Where', [ctx.op('Greater', [x, ctx.floatConstant(0)]), dY, ctx.floatConstant(0)])),
  Sum: {
    gradient: (node, [dY], ctx) => (dY === undefined ? [] : node.inputs.map((_, index) => reduced(ctx, node, index, dY))),
  },
  Abs: unary((ctx, x, _y, dY) => ctx.op('Mul', [dY, ctx.op('Sign', [x])])),
  Sin: unary((ctx, x, _y, dY) => ctx.op('Mul', [dY, ctx.op('Cos', [x])])),
  Cos: unary((ctx, x, _y, dY) => ctx.op('Neg', [ctx.op('Mul', [dY, ctx.op('Sin', [x])])])),
  Clip: {
    differentiableInputs: [0],
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const x = input(node, 0);
      const bounds: string[] = [];
      if (input(node, 1) !== '') bounds.push(ctx.op('GreaterOrEqual', [x, input(node, 1)]));
      if (input(node, 2) !== '') bounds.push(ctx.op('LessOrEqual', [x, input(node, 2)]));
      if (bounds.length === 0) return [ctx.op('Identity', [dY])];
      const inside = bounds.length === 1 ? (bounds[0] as string) : ctx.op('And', bounds);
      return [ctx.op('Where', [inside, dY, ctx.floatConstant(0)])];
    },
  },
  Dropout: {
    differentiableInputs: [0],
    gradient: (_node, [dY], ctx) => (dY === undefined ? [] : [ctx.op('Identity', [dY])]),
  },
  Where: {
    differentiableInputs: [1, 2],
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const condition = input(node, 0);
      const zero = ctx.floatConstant(0);
      return [undefined, reduced(ctx, node, 1, ctx.op('Where', [condition, dY, zero])), reduced(ctx, node, 2, ctx.op('Where', [condition, zero, dY]))];
    },
  },
};

/** Ops whose outputs carry no gradient: a path through them stops (shapes, indices, masks, comparisons). */
export const nonDifferentiableRules: Record<string, GradientRule> = Object.fromEntries(
  [
    'Shape', 'Size', 'ConstantOfShape', 'Range', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor',
    'NonZero', 'ArgMax', 'ArgMin', 'IsNaN', 'IsInf', 'Sign', 'Floor', 'Ceil', 'Round', 'OneHot', 'EyeLike', 'RandomNormalLike',
    'RandomUniformLike', 'Constant',
  ].map((opType) => [opType, {}]),
);
