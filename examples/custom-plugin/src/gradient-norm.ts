import { defineMethod, requireTarget } from '@inseq/core';

/**
 * `gradient_norm`: the p-norm (`ord`, 2 by default) over the hidden size of the gradient of the
 * attributed function with respect to each input token embedding — one score per token,
 * `[batch, sequenceLength]`.
 * Written with `@inseq/core` alone: it runs on any backend that offers gradients.
 */
export const gradientNorm = defineMethod({
  name: 'gradient_norm',
  family: 'gradient',
  requires: ['gradients'],
  description: 'L2 norm of the gradient per input token (example plugin).',
  // Declared once: the loop parses { "ord": … } before any work, `inseq explain gradient_norm` lists it.
  options: { ord: { type: 'number', default: 2, above: 0, description: 'Order p of the norm over the hidden size (2: Euclidean).' } },
  async attributeStep(ctx) {
    const p = ctx.options.ord; // a number, typed from the spec
    const { gradients } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, 'gradient_norm') });
    const [batch, length, hidden] = gradients.shape;
    const norms = new Float32Array(batch * length);
    for (let i = 0; i < batch * length; i++) {
      let sum = 0;
      for (let h = 0; h < hidden; h++) sum += Math.abs(gradients.data[i * hidden + h]) ** p;
      norms[i] = sum ** (1 / p);
    }
    return { attributions: { data: norms, shape: [batch, length] } };
  },
});
