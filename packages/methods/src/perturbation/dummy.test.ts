import { type AttributionMethod, attribute, createRegistry, type ForwardInput } from '@inseq/core';
import { linearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { registerBuiltinMethods } from '../register-builtin-methods';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));

describe('dummy', () => {
  it('gives only step scores: no attributions and no forward pass of its own', async () => {
    const model = linearModel();
    let calls = 0;
    const counting = {
      ...model,
      backend: {
        ...model.backend,
        forward: (input: ForwardInput) => {
          calls++;
          return model.backend.forward(input);
        },
      },
    };
    const out = await attribute(counting, 'the cat', { method: 'dummy', methods, generatedTexts: 'the cat sat on', stepScores: ['probability'] });
    const sequence = out.sequence_attributions[0];
    expect(sequence.target_attributions).toBeNull();
    expect(sequence.step_scores.probability.data).toHaveLength(2);
    expect(calls).toBe(2); // the step scores' own pass, once per step
  });

  it('every method of this package is registered under its Inseq id', () => {
    for (const id of ['attention', 'attention_rollout', 'occlusion', 'lime', 'value_zeroing', 'reagent', 'dummy']) {
      expect(methods.get(id).name).toBe(id);
    }
  });
});
