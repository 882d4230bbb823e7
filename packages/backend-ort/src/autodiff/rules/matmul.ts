import { type GradientRule, attr, floatAttribute, intAttribute } from '../gradient-rule';
import type { Dim } from '../infer-shapes';

/**
 * Whether a matrix-product operand of (build-time) shape `x` has no batch axis broadcast against
 * the other operand's `other`: then its gradient (`dY @ otherᵀ` or `xᵀ @ dY`) already has its shape.
 */
function unbroadcast(x: readonly Dim[] | undefined, other: readonly Dim[] | undefined): boolean {
  if (!x || !other || x.length < 2 || other.length < 2) return false;
  const batch = x.length - 2;
  const otherBatch = other.length - 2;
  if (otherBatch > batch) return false;
  for (let i = 0; i < otherBatch; i++) {
    const mine = x[batch - otherBatch + i];
    const theirs = other[i];
    if (theirs !== 1 && theirs !== mine) return false;
  }
  return true;
}

/**
 * Matrix products.
 *
 * - MatMul (`Y = A @ B`, batched with numpy broadcasting of the leading axes; both inputs of rank
 *   2 or more): `dA = dY @ Bᵀ`, `dB = Aᵀ @ dY` (`ᵀ` swaps the last two axes, written as a
 *   one-operand `Einsum` with an ellipsis so no rank is needed), each summed back to its input's shape.
 * - Gemm (`Y = α·op(A) @ op(B) + β·C`, `op` a transpose when `transA` / `transB`):
 *   `d op(A) = α·dY @ op(B)ᵀ`, `d op(B) = α·op(A)ᵀ @ dY` (transposed back when the op
 *   transposes), `dC = β·dY` summed back to C's shape.
 */
export const matmulRules: Record<string, GradientRule> = {
  MatMul: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const [a, b] = node.inputs as [string, string];
      const transposed = (x: string): string => ctx.op('Einsum', [x], { equation: attr.string('...ij->...ji') });
      const dA = ctx.op('MatMul', [dY, transposed(b)]);
      const dB = ctx.op('MatMul', [transposed(a), dY]);
      const shapeA = ctx.shapeOf(a);
      const shapeB = ctx.shapeOf(b);
      return [unbroadcast(shapeA, shapeB) ? dA : ctx.reduceToShapeOf(dA, a), unbroadcast(shapeB, shapeA) ? dB : ctx.reduceToShapeOf(dB, b)];
    },
  },
  Gemm: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const [a, b, c] = node.inputs as [string, string, string | undefined];
      const transA = intAttribute(node, 'transA', 0) !== 0;
      const transB = intAttribute(node, 'transB', 0) !== 0;
      const alpha = floatAttribute(node, 'alpha', 1);
      const beta = floatAttribute(node, 'beta', 1);
      const gemm = (x: string, y: string, tx: boolean, ty: boolean): string =>
        ctx.op('Gemm', [x, y], { alpha: attr.float(alpha), transA: attr.int(tx ? 1 : 0), transB: attr.int(ty ? 1 : 0) });
      // dA = α·dY·op(B)ᵀ, or its transpose α·op(B)·dYᵀ when A enters transposed.
      const dA = transA ? gemm(b, dY, transB, true) : gemm(dY, b, false, !transB);
      // dB = α·op(A)ᵀ·dY, or its transpose α·dYᵀ·op(A) when B enters transposed.
      const dB = transB ? gemm(dY, a, true, transA) : gemm(a, dY, !transA, false);
      let dC: string | undefined;
      if (c !== undefined && c !== '') {
        const scaled = beta === 1 ? dY : ctx.op('Mul', [dY, ctx.floatConstant(beta)]);
        dC = ctx.reduceToShapeOf(scaled, c, node.outputs[0]);
      }
      return [dA, dB, dC];
    },
  },
};
