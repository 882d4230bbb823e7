import type { GradientContext, GradientRule } from '../gradient-rule';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/** `d gelu(x)/dx = Φ(x) + x·φ(x) = ½(1 + erf(x/√2)) + x·exp(-x²/2)/√(2π)`. */
function erfGeluDerivative(ctx: GradientContext, x: string): string {
  const cdf = ctx.op('Mul', [ctx.op('Add', [ctx.floatConstant(1), ctx.op('Erf', [ctx.op('Mul', [x, ctx.floatConstant(Math.SQRT1_2)])])]), ctx.floatConstant(0.5)]);
  const pdf = ctx.op('Mul', [ctx.op('Exp', [ctx.op('Mul', [ctx.op('Mul', [x, x]), ctx.floatConstant(-0.5)])]), ctx.floatConstant(1 / Math.sqrt(2 * Math.PI))]);
  return ctx.op('Add', [cdf, ctx.op('Mul', [x, pdf])]);
}

/**
 * Tanh approximation `½x(1 + tanh u)`, `u = √(2/π)(x + 0.044715x³)`:
 * derivative `½(1 + t) + ½x(1 - t²)·√(2/π)(1 + 3·0.044715x²)`, `t = tanh u`.
 */
function tanhGeluDerivative(ctx: GradientContext, x: string): string {
  const square = ctx.op('Mul', [x, x]);
  const inner = ctx.op('Mul', [ctx.op('Add', [ctx.floatConstant(1), ctx.op('Mul', [square, ctx.floatConstant(GELU_CUBIC)])]), ctx.floatConstant(SQRT_2_OVER_PI)]);
  const t = ctx.op('Tanh', [ctx.op('Mul', [x, inner])]);
  const half = ctx.floatConstant(0.5);
  const first = ctx.op('Mul', [ctx.op('Add', [ctx.floatConstant(1), t]), half]);
  const slope = ctx.op('Mul', [ctx.op('Add', [ctx.floatConstant(1), ctx.op('Mul', [square, ctx.floatConstant(3 * GELU_CUBIC)])]), ctx.floatConstant(SQRT_2_OVER_PI)]);
  const second = ctx.op('Mul', [ctx.op('Mul', [ctx.op('Mul', [x, half]), ctx.op('Sub', [ctx.floatConstant(1), ctx.op('Mul', [t, t])])]), slope]);
  return ctx.op('Add', [first, second]);
}

/** A GELU with an optional bias input added first: `Y = gelu(X + bias)`; `dX = dY·gelu'(X + bias)`, `dBias` summed to its shape. */
function gelu(derivative: (ctx: GradientContext, x: string) => string): GradientRule {
  return {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const [x, bias] = node.inputs as [string, string | undefined];
      const hasBias = bias !== undefined && bias !== '';
      const shifted = hasBias ? ctx.op('Add', [x, bias]) : x;
      const g = ctx.op('Mul', [dY, derivative(ctx, shifted)]);
      return hasBias ? [ctx.reduceToShapeOf(g, x, node.outputs[0]), ctx.reduceToShapeOf(g, bias, node.outputs[0])] : [g];
    },
  };
}

/**
 * GELU rules: com.microsoft Gelu / BiasGelu (erf form), com.microsoft FastGelu (tanh form, with
 * optional bias), and ai.onnx Gelu (opset 20, `approximate` 'none' or 'tanh').
 */
export const activationRules: Record<string, GradientRule> = {
  'com.microsoft:Gelu': gelu(erfGeluDerivative),
  'com.microsoft:BiasGelu': gelu(erfGeluDerivative),
  'com.microsoft:FastGelu': gelu(tanhGeluDerivative),
  Gelu: {
    gradient: (node, outputGradients, ctx) => {
      const approximate = node.attributes.approximate;
      const tanh = approximate?.kind === 'string' && approximate.value === 'tanh';
      return gelu(tanh ? tanhGeluDerivative : erfGeluDerivative).gradient?.(node, outputGradients, ctx) ?? [];
    },
  },
};

