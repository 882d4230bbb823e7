import type { AttributionModel, ForwardInput, ModelBackend, Tensor } from '@inseq/core';
import { encoderDecoderLinearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';

/**
 * Closed form of where the embedding scale sits (docs/attributed-embeddings.md). One model,
 * logits = W · Σ s·E[token] over the source and the decoder prefix, attributed at two tensors:
 * after the scale (e = s·E, what Python Inseq's `embed_ids` returns for Marian, BART and mBART,
 * and what inseq-ts attributes there) or before it (x = E, the model scaling given embeddings).
 * Since dF/dx = s · dF/de, saliency before the scale is exactly s times saliency after it, while
 * input × gradient (x · s dF/de = e · dF/de) and integrated gradients (the same path in e) agree.
 */
const scale = 4;
const { methods } = createDefaultRegistries();

const times = (tensor: Tensor, factor: number): Tensor => ({ data: Float32Array.from(tensor.data, (v) => v * factor), shape: tensor.shape });

/** The scaled linear model with `embed` returning the tensor after (`'after'`) or before (`'before'`) the scale. */
function scaledModel(attributed: 'after' | 'before'): AttributionModel {
  const linear = encoderDecoderLinearModel();
  const inner = linear.backend;
  // What `embed` returns, and the factor the model applies to embeddings it is given.
  const [embedFactor, modelFactor] = attributed === 'after' ? [scale, 1] : [1, scale];
  const backend: ModelBackend = {
    ...inner,
    name: `scaled-linear-${attributed}`,
    capabilities: { ...inner.capabilities, rescaleGradients: false },
    embed: async (inputIds, side = 'decoder') => times(await inner.embed(inputIds, side), embedFactor),
    async forward(input) {
      return inner.forward(await toInner(input));
    },
    async gradients(input) {
      const out = await inner.gradients!({ ...input, ...(await toInner(input)) });
      return { ...out, gradients: times(out.gradients, modelFactor), ...(out.encoderGradients && { encoderGradients: times(out.encoderGradients, modelFactor) }) };
    },
  };
  /** The inner model's input: the given (or looked-up) embeddings times the model's own factor, so logits = W · Σ s·E either way. */
  async function toInner<T extends ForwardInput>(input: T): Promise<T> {
    const decoder = input.inputsEmbeds ?? (await backend.embed(input.inputIds, 'decoder'));
    const encoder = input.encoder;
    const source = encoder && (encoder.inputsEmbeds ?? (await backend.embed(encoder.inputIds, 'encoder')));
    return { ...input, inputsEmbeds: times(decoder, modelFactor), ...(encoder && source && { encoder: { ...encoder, inputsEmbeds: times(source, modelFactor) } }) };
  }
  return { ...linear, backend };
}

async function attributions(model: AttributionModel, method: string): Promise<{ source: Float32Array; target: Float32Array; probability: Float32Array }> {
  const out = await attribute(model, 'the cat sat', {
    method,
    methods,
    generatedTexts: 'the mat on',
    attributeTarget: true,
    stepScores: ['probability'],
    ...(method === 'integrated_gradients' && { attributionArgs: { n_steps: 8 } }),
  });
  const sequence = out.sequence_attributions[0]!;
  return { source: sequence.source_attributions!.data, target: sequence.target_attributions!.data, probability: sequence.step_scores.probability.data };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, factor = 1) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] as number, (b[i] as number) * factor];
    // Padding cells are NaN on both sides.
    if (Number.isNaN(x) || Number.isNaN(y)) expect(Number.isNaN(x) && Number.isNaN(y)).toBe(true);
    else expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(y)));
  }
};

describe('a scaled-embedding linear model attributed after or before its scale', () => {
  const [after, before] = [scaledModel('after'), scaledModel('before')];

  it('is one model: the same step probabilities either way', async () => {
    const [a, b] = await Promise.all([attributions(after, 'saliency'), attributions(before, 'saliency')]);
    close(a.probability, b.probability);
  });

  it('saliency before the scale is the scale times saliency after it, on the source and the target', async () => {
    const [a, b] = await Promise.all([attributions(after, 'saliency'), attributions(before, 'saliency')]);
    close(b.source, a.source, scale);
    close(b.target, a.target, scale);
    expect(Array.from(a.source).some((v) => v > 1e-3)).toBe(true);
  });

  it.each(['input_x_gradient', 'integrated_gradients'])('%s does not depend on where the scale sits', async (method) => {
    const [a, b] = await Promise.all([attributions(after, method), attributions(before, method)]);
    close(b.source, a.source);
    close(b.target, a.target);
  });
});
