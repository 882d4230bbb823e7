import { defineMethod, parseOptions, requireTarget } from '@inseq/core';

/**
 * `gradient_norm`: the L2 norm over the hidden size of the gradient of the attributed function
 * with respect to each input token embedding — one score per token, `[batch, sequenceLength]`.
 * Written with `@inseq/core` alone: it runs on any backend that offers gradients.
 */
export const gradientNorm = defineMethod({
  name: 'gradient_norm',
  family: 'gradient',
  requires: ['gradients'],
  description: 'L2 norm of the gradient per input token (example plugin).',
  parseOptions: (raw) => parseOptions('gradient_norm', raw, {}),
  async attributeStep(ctx) {
    const { gradients } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, 'gradient_norm') });
    const [batch, length, hidden] = gradients.shape;
    const norms = new Float32Array(batch * length);
    for (let i = 0; i < batch * length; i++) {
      let sum = 0;
      for (let h = 0; h < hidden; h++) sum += gradients.data[i * hidden + h] ** 2;
      norms[i] = Math.sqrt(sum);
    }
    return { attributions: { data: norms, shape: [batch, length] } };
  },
});
