import { logit } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { linearModel } from './linear-model';

const model = linearModel();
const { backend } = model;
const inputIds = { data: Int32Array.of(1, 2, 3), shape: [1, 3] };
const attentionMask = { data: Int32Array.of(1, 1, 1), shape: [1, 3] };

describe('linearModel layers and rescale', () => {
  it('captures its one layer, the token embeddings, and lets an override replace them', async () => {
    expect(backend.layerNames!()).toEqual(['embeddings']);
    const embeds = await backend.embed(inputIds);
    const captured = await backend.forward({ inputIds, attentionMask, layer: { name: 'embeddings' } });
    expect(captured.layerActivation!.data).toEqual(embeds.data);
    const override = { data: new Float32Array(9), shape: [1, 3, 3] };
    const replaced = await backend.forward({ inputIds, attentionMask, layer: { name: 'embeddings', override } });
    expect(Array.from(replaced.logits.data)).toEqual(Array.from({ length: 9 }, () => 0));
  });

  it('differentiates with respect to the replaced layer output; rescale multipliers are the gradients', async () => {
    const inputsEmbeds = await backend.embed(inputIds);
    const base = { inputIds, attentionMask, inputsEmbeds, targetIds: Int32Array.of(4), target: logit.differentiable! };
    const plain = await backend.gradients!(base);
    const override = { data: new Float32Array(9).fill(0.5), shape: [1, 3, 3] };
    const layered = await backend.gradients!({ ...base, layer: { name: 'embeddings', override } });
    expect(layered.gradients.data).toEqual(plain.gradients.data);
    expect(layered.layerActivation!.data).toEqual(override.data);
    expect(layered.targetValues[0]).toBeCloseTo(Array.from(model.weight(4)).reduce((a, w) => a + 1.5 * w, 0), 6);
    const rescaled = await backend.gradients!({ ...base, rescale: { referenceEmbeds: { data: new Float32Array(9), shape: [1, 3, 3] } } });
    expect(rescaled.gradients.data).toEqual(plain.gradients.data);
  });

  it('names its layers when asked for another', async () => {
    await expect(backend.forward({ inputIds, attentionMask, layer: { name: 'transformer.wte' } })).rejects.toThrow(
      "The linear model has no layer 'transformer.wte'. Its layers are: embeddings.",
    );
  });
});
