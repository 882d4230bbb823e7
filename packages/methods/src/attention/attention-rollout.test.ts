import type { ModelBackend } from '@inseq/core';
import { attentionLinearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { attentionRollout } from './attention-rollout';
import { expectSameLayout, stepwise } from './sequence-context.test-support';

const model = attentionLinearModel();

/** A backend whose two single-head layers have fixed 2 × 2 attention (and a 1-token vocabulary). */
const fixed: ModelBackend = {
  ...model.backend,
  config: { ...model.backend.config, numLayers: 2, vocabSize: 1 },
  async forward() {
    const layer = (a: number) => ({ data: Float32Array.of(1, 0, a, 1 - a), shape: [1, 1, 2, 2] });
    return { logits: { data: new Float32Array(1), shape: [1, 1] }, attentions: [layer(0.4), layer(0.8)], hiddenStates: undefined };
  },
};

describe('attention_rollout', () => {
  it('matches a hand computation: Ã = (A + I)/2, R = Ã₂ Ã₁', async () => {
    // Ã₁ = [[1, 0], [0.2, 0.8]], Ã₂ = [[1, 0], [0.4, 0.6]]; last row of Ã₂Ã₁ = [0.4 + 0.6·0.2, 0.6·0.8].
    const ctx = {
      backend: fixed,
      inputIds: { data: Int32Array.of(0, 0), shape: [1, 2] },
      attentionMask: { data: Int32Array.of(1, 1), shape: [1, 2] },
      inputsEmbeds: { data: new Float32Array(8), shape: [1, 2, 4] },
      targetIds: Int32Array.of(0),
      attributedFn: { name: 'none', description: '', compute: () => new Float32Array(1) },
      specialTokenIds: {},
      options: {},
    };
    const attributions = (await attentionRollout.attributeStep(ctx)).attributions!;
    expect(attributions.shape).toEqual([1, 2]);
    expect(Array.from(attributions.data)).toEqual([expect.closeTo(0.52, 6), expect.closeTo(0.48, 6)]);
  });

  it('equals the product of full (A + I)/2 matrices, bottom-up, on the attention model', async () => {
    const text = 'the cat sat on the';
    const ids = model.tokenizer.encode(text);
    const n = ids.length;
    const { attentions } = await model.backend.forward({
      inputIds: { data: Int32Array.from(ids), shape: [1, n] },
      attentionMask: { data: new Int32Array(n).fill(1), shape: [1, n] },
      outputAttentions: true,
    });
    const heads = model.heads;
    const augmented = attentions!.map((layer) =>
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => {
          let mean = 0;
          for (let h = 0; h < heads; h++) mean += layer.data[(h * n + i) * n + j] / heads;
          return (mean + (i === j ? 1 : 0)) / 2;
        }),
      ),
    );
    const product = (a: number[][], b: number[][]) => a.map((row) => b[0].map((_, j) => row.reduce((acc, v, k) => acc + v * b[k][j], 0)));
    let joint = augmented[0];
    for (let l = 1; l < augmented.length; l++) joint = product(augmented[l], joint);

    const [sequence] = await stepwise(model, 'attention_rollout', ['the cat sat on'], [text]);
    expect(sequence.shape).toEqual([n, 1]);
    expect(sequence.data.slice(0, n - 1)).toEqual(joint[n - 2].slice(0, n - 1).map((v) => expect.closeTo(v, 6)));
    expect(sequence.data.slice(0, n - 1).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('attributeSequence equals the step-by-step result for a padded batch', async () => {
    const prompts = ['the', 'a dog sat'];
    const texts = ['the cat sat on the mat', 'a dog sat on a mat'];
    const steps = await stepwise(model, 'attention_rollout', prompts, texts);
    const whole = await stepwise(model, 'attention_rollout', prompts, texts, {}, 'loop');
    whole.forEach((tensor, r) => {
      expect(tensor.shape).toEqual(steps[r].shape);
      expectSameLayout(tensor.data, steps[r].data);
    });
  });
});
