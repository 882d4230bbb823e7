import { defineMethod, parseOptions } from '@inseq/core';
import { jointInputs, splitAttributions } from './joint-inputs';
import { stepGradients } from './step-gradients';

/**
 * Input × Gradient (Shrikumar et al. 2016, arXiv:1605.01713): input embeddings times the gradient
 * of the attributed function. Matches Captum's `InputXGradient` (Inseq `input_x_gradient`).
 * Output `[batch, sequenceLength, hidden]`; encoder-decoder steps also get `sourceAttributions`
 * `[batch, sourceLength, hidden]` from the encoder's input embeddings and gradients.
 */
export const inputXGradient = defineMethod({
  name: 'input_x_gradient',
  paper: 'Shrikumar, Greenside, Shcherbina & Kundaje (2016), Not Just a Black Box: Learning Important Features Through Propagating Activation Differences, arXiv:1605.01713',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Input embeddings times the gradient of the attributed function.',
  async attributeStep(ctx) {
    const gradients = await stepGradients(ctx, 'input_x_gradient');
    const inputs = jointInputs(ctx).data;
    for (let i = 0; i < gradients.length; i++) gradients[i] *= inputs[i];
    return splitAttributions(ctx, gradients, [ctx.inputsEmbeds.shape[2]]);
  },
});
