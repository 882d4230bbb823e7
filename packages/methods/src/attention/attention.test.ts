import { parseMethodOptions } from '@inseq/core';
import type { ForwardInput } from '@inseq/core';
import { attentionLinearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { attention } from './attention';
import { expectSameLayout, sequenceContext, stepwise } from './sequence-context.test-support';

const model = attentionLinearModel();
const { layers, heads } = model;
const prompts = ['the cat', 'a dog sat on'];
const texts = ['the cat sat on the mat', 'a dog sat on a mat'];

/** Attention of the last position of `text` over its tokens, straight from the model: [key][layer][head]. */
async function lastRow(text: string): Promise<number[][][]> {
  const ids = model.tokenizer.encode(text);
  const n = ids.length;
  const { attentions } = await model.backend.forward({
    inputIds: { data: Int32Array.from(ids), shape: [1, n] },
    attentionMask: { data: new Int32Array(n).fill(1), shape: [1, n] },
    outputAttentions: true,
  });
  return ids.map((_, j) =>
    attentions!.map((layer) => Array.from({ length: heads }, (_, h) => layer.data[(h * n + (n - 1)) * n + j])),
  );
}

describe('attention', () => {
  it('gives, per step, the last query row of every layer and head; rows sum to 1 over the keys', async () => {
    const [sequence] = await stepwise(model, 'attention', ['the cat'], ['the cat sat on']);
    const nSteps = 2;
    expect(sequence.shape).toEqual([4, nSteps, layers, heads]);
    for (const [s, prefix] of ['the cat', 'the cat sat'].entries()) {
      const expected = await lastRow(prefix);
      const p = 2 + s;
      for (let j = 0; j < 4; j++) {
        for (let l = 0; l < layers; l++) {
          for (let h = 0; h < heads; h++) {
            const value = sequence.data[((j * nSteps + s) * layers + l) * heads + h];
            if (j < p) expect(value).toBeCloseTo(expected[j][l][h], 6);
            else expect(value).toBeNaN();
          }
        }
      }
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < heads; h++) {
          let total = 0;
          for (let j = 0; j < p; j++) total += sequence.data[((j * nSteps + s) * layers + l) * heads + h];
          expect(total).toBeCloseTo(1, 6);
        }
      }
    }
  });

  it('attributeSequence (one forward pass) equals the step-by-step result, batched or alone', async () => {
    const steps = await stepwise(model, 'attention', prompts, texts);
    const whole = await stepwise(model, 'attention', prompts, texts, {}, 'loop');
    whole.forEach((tensor, r) => {
      expect(tensor.shape).toEqual(steps[r].shape);
      expectSameLayout(tensor.data, steps[r].data);
    });
    // Each text alone gives the same numbers as in the padded batch.
    for (const r of [0, 1]) {
      const [alone] = await stepwise(model, 'attention', [prompts[r]], [texts[r]], {}, 'loop');
      expectSameLayout(alone.data, steps[r].data);
    }
  });

  it('takes one forward pass for the whole batch of sequences', async () => {
    let calls = 0;
    const forward = model.backend.forward;
    const counting = {
      ...model,
      backend: {
        ...model.backend,
        forward: (input: ForwardInput) => {
          calls++;
          return forward(input);
        },
      },
    };
    await stepwise(counting, 'attention', prompts, texts, {}, 'loop');
    expect(calls).toBe(1);
  });

  it('rejects options and a backend without attentions', async () => {
    expect(() => parseMethodOptions(attention, { heads: 0 })).toThrow(/attention has no option 'heads'/);
    const blind = { ...model.backend, forward: async () => ({ logits: { data: new Float32Array(9), shape: [1, 9] } }) };
    await expect(attention.attributeSequence!({ ...sequenceContext(model, ['the'], ['the cat']), backend: blind })).rejects.toThrow(
      /attention needs 2 attention tensors/,
    );
  });
});
