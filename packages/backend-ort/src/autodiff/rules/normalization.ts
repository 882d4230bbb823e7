import { MissingCapabilityError } from '@inseq/core';
import { type GradientContext, type GradientRule, floatAttribute, intAttribute } from '../gradient-rule';
import type { IrNode } from '../onnx-ir';

interface NormBackward {
  dX: string;
  /** Flat over the normalized axes; reshape to the parameter's shape. */
  dScale: string;
  dBias: string;
}

/**
 * Backward of `Y = x̂·scale (+ bias)` over the axes from `axis` on, with `x̂ = (X - μ)·r`,
 * `r = 1/√(σ² + ε)` (LayerNorm) or `x̂ = X·r`, `r = 1/√(mean(X²) + ε)` (RMS, `simplified`).
 * With `g = dY·scale`: `dX = r·(g - mean(g) - x̂·mean(g·x̂))` (RMS: without `mean(g)`),
 * `dScale = Σ_rows dY·x̂`, `dBias = Σ_rows dY`. Computed on `[rows, normalized]` flattenings.
 */
function normBackward(ctx: GradientContext, x: string, scale: string, dY: string, axis: number, epsilon: number, simplified: boolean): NormBackward {
  const xf = ctx.op('Flatten', [x], { axis: { kind: 'int', value: axis } });
  const gf = ctx.op('Flatten', [dY], { axis: { kind: 'int', value: axis } });
  const scaleRow = ctx.op('Reshape', [scale, ctx.int64Constant([1, -1])]);
  const centered = simplified ? xf : ctx.op('Sub', [xf, ctx.reduce('ReduceMean', xf, [1], true)]);
  const variance = ctx.reduce('ReduceMean', ctx.op('Mul', [centered, centered]), [1], true);
  const inverse = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.floatConstant(epsilon)])])]);
  const normalized = ctx.op('Mul', [centered, inverse]);
  const g = ctx.op('Mul', [gf, scaleRow]);
  const projection = ctx.op('Mul', [normalized, ctx.reduce('ReduceMean', ctx.op('Mul', [g, normalized]), [1], true)]);
  let inner = ctx.op('Sub', [g, projection]);
  if (!simplified) inner = ctx.op('Sub', [inner, ctx.reduce('ReduceMean', g, [1], true)]);
  const dX = ctx.reshapeTo(ctx.op('Mul', [inner, inverse]), ctx.op('Shape', [x]));
  const dScale = ctx.reduce('ReduceSum', ctx.op('Mul', [gf, normalized]), [0], false);
  const dBias = ctx.reduce('ReduceSum', gf, [0], false);
  return { dX, dScale, dBias };
}

function shapedLike(ctx: GradientContext, flat: string, like: string | undefined): string | undefined {
  return like === undefined || like === '' ? undefined : ctx.reshapeTo(flat, ctx.op('Shape', [like]));
}

/** LayerNormalization (opset 17) / SimplifiedLayerNormalization: inputs X, scale, bias?. */
function layerNorm(simplified: boolean): GradientRule {
  return {
    gradient: (node, [dY, dMean, dInverse], ctx) => {
      if (dY === undefined) return [];
      if (dMean !== undefined || dInverse !== undefined) throwStatsGradient(node);
      const [x, scale, bias] = node.inputs as [string, string, string | undefined];
      const result = normBackward(ctx, x, scale, dY, intAttribute(node, 'axis', -1), floatAttribute(node, 'epsilon', 1e-5), simplified);
      return [result.dX, shapedLike(ctx, result.dScale, scale), simplified ? undefined : shapedLike(ctx, result.dBias, bias)];
    },
  };
}

/**
 * com.microsoft Skip(Simplified)LayerNormalization: `S = input + skip (+ bias)`, `Y = norm(S)`
 * over the last axis; optional output 3 is `S` itself, whose gradient adds to `dS`.
 * Inputs: input, skip, gamma, beta?, bias? (simplified: input, skip, gamma, bias?).
 */
function skipLayerNorm(simplified: boolean): GradientRule {
  return {
    gradient: (node, [dY, dMean, dInverse, dSum], ctx) => {
      if (dMean !== undefined || dInverse !== undefined) throwStatsGradient(node);
      const [input, skip, gamma] = node.inputs as [string, string, string];
      const beta = simplified ? undefined : node.inputs[3];
      const bias = simplified ? node.inputs[3] : node.inputs[4];
      let sum = ctx.op('Add', [input, skip]);
      if (bias !== undefined && bias !== '') sum = ctx.op('Add', [sum, bias]);
      const parts: string[] = [];
      let dGamma: string | undefined;
      let dBeta: string | undefined;
      if (dY !== undefined) {
        const result = normBackward(ctx, sum, gamma, dY, -1, floatAttribute(node, 'epsilon', 1e-12), simplified);
        parts.push(result.dX);
        dGamma = shapedLike(ctx, result.dScale, gamma);
        dBeta = shapedLike(ctx, result.dBias, beta);
      }
      if (dSum !== undefined) parts.push(dSum);
      if (parts.length === 0) return [];
      const dS = parts.length === 1 ? (parts[0] as string) : ctx.op('Sum', parts);
      const dBias = bias === undefined || bias === '' ? undefined : ctx.reduceToShapeOf(dS, bias, node.outputs[0]);
      const grads = [ctx.reduceToShapeOf(dS, input, node.outputs[0]), ctx.reduceToShapeOf(dS, skip, node.outputs[0]), dGamma];
      return simplified ? [...grads, dBias] : [...grads, dBeta, dBias];
    },
  };
}

function throwStatsGradient(node: IrNode): never {
  throw new MissingCapabilityError(`No gradient through the mean / inverse standard deviation outputs of node '${node.name}' (${node.opType}).`);
}

/**
 * Normalization rules: LayerNormalization (ai.onnx, opset 17), SimplifiedLayerNormalization
 * (RMSNorm; ORT registers it in ai.onnx, accepted in com.microsoft too), and com.microsoft
 * SkipLayerNormalization / SkipSimplifiedLayerNormalization. See {@link normBackward} for the formulas.
 */
export const normalizationRules: Record<string, GradientRule> = {
  LayerNormalization: layerNorm(false),
  SimplifiedLayerNormalization: layerNorm(true),
  'com.microsoft:SimplifiedLayerNormalization': layerNorm(true),
  'com.microsoft:SkipLayerNormalization': skipLayerNorm(false),
  'com.microsoft:SkipSimplifiedLayerNormalization': skipLayerNorm(true),
};
