import { defineMethod, parseOptions, requireTarget } from '@inseq/core';

/**
 * Input × Gradient (Shrikumar et al. 2016, arXiv:1605.01713): input embeddings times the gradient
 * of the attributed function. Matches Captum's `InputXGradient` (Inseq `input_x_gradient`).
 * Output `[batch, sequenceLength, hidden]`.
 */
export const inputXGradient = defineMethod({
  name: 'input_x_gradient',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Input embeddings times the gradient of the attributed function.',
  parseOptions: (raw) => parseOptions('input_x_gradient', raw, {}),
  async attributeStep(ctx) {
    const { gradients } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, 'input_x_gradient') });
    const inputs = ctx.inputsEmbeds.data;
    for (let i = 0; i < gradients.data.length; i++) gradients.data[i] *= inputs[i];
    return { attributions: gradients };
  },
});
