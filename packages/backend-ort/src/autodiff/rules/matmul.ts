import { type GradientRule, attr, floatAttribute, intAttribute } from '../gradient-rule';
import type { Dim } from '../infer-shapes';
import { ONNX_DTYPE } from '../onnx-ir';

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
 *   2 or more): `dA = dY @ Bᵀ`, `dB = Aᵀ @ dY` (`ᵀ` swaps the last two axes: in float32 a
 *   com.microsoft `FusedMatMul` with `transB` / `transA`, in double a one-operand `Einsum` with an
 *   ellipsis so no rank is needed), each summed back to its input's shape.
 * - Gemm (`Y = α·op(A) @ op(B) + β·C`, `op` a transpose when `transA` / `transB`):
 *   `d op(A) = α·dY @ op(B)ᵀ`, `d op(B) = α·op(A)ᵀ @ dY` (transposed back when the op
 *   transposes), `dC = β·dY` summed back to C's shape.
 */
export const matmulRules: Record<string, GradientRule> = {
  MatMul: {
    gradient: (node, [dY], ctx) => {
      if (dY === undefined) return [];
      const [a, b] = node.inputs as [string, string];
      let dA: string;
      let dB: string;
      if (ctx.floatType === ONNX_DTYPE.float) {
        // ONNX Runtime's FusedMatMul reads an operand transposed in place: no transposed copy of a
        // weight is materialised (nor constant-folded at session creation, which for a real model
        // doubled the weights' memory and cost most of the session's creation time).
        const fused = (x: string, y: string, transpose: 'transA' | 'transB'): string =>
          ctx.emit('FusedMatMul', [x, y], { [transpose]: attr.int(1) }, { domain: 'com.microsoft' })[0] as string;
        dA = fused(dY, b, 'transB');
        dB = fused(a, dY, 'transA');
      } else {
        // FusedMatMul has no double kernel: the transposes are explicit.
        const transposed = (x: string): string => ctx.op('Einsum', [x], { equation: attr.string('...ij->...ji') });
        dA = ctx.op('MatMul', [dY, transposed(b)]);
        dB = ctx.op('MatMul', [transposed(a), dY]);
      }
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
