import { defineMethod, defineOptions } from '@inseq/core';
import { splitAttributions } from './joint-inputs';
import { stepGradients } from './step-gradients';

const options = defineOptions({ abs: { type: 'boolean', default: true, description: 'Absolute values of the gradients (Captum Saliency abs).' } });

/**
 * Saliency (Simonyan et al. 2013, "Deep Inside Convolutional Networks", arXiv:1312.6034): the
 * gradient of the attributed function with respect to the input token embeddings, absolute by
 * default. Matches Captum's `Saliency` (`abs=True`) as used by Inseq's `saliency`.
 * Output `[batch, sequenceLength, hidden]`; encoder-decoder steps also get `sourceAttributions`
 * `[batch, sourceLength, hidden]`, the gradient with respect to the encoder's input embeddings.
 */
export const saliency = defineMethod({
  name: 'saliency',
  paper: 'Simonyan, Vedaldi & Zisserman (2014), Deep Inside Convolutional Networks: Visualising Image Classification Models and Saliency Maps, arXiv:1312.6034',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Gradient of the attributed function w.r.t. input embeddings (absolute by default; abs: false keeps signs).',
  options,
  async attributeStep(ctx) {
    const gradients = await stepGradients(ctx, 'saliency');
    if (ctx.options.abs) for (let i = 0; i < gradients.length; i++) gradients[i] = Math.abs(gradients[i]);
    return splitAttributions(ctx, gradients, [ctx.inputsEmbeds.shape[2]]);
  },
});
