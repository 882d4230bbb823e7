import { attribute } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { embeddingOf, hidden, idOf, methods, model } from './closed-form.test-support';

const methodsWithArgs: [string, Record<string, unknown>][] = [
  ['deeplift', {}],
  ['gradient_shap', { n_samples: 3 }],
  ['sequential_integrated_gradients', { n_steps: 4 }],
  ['discretized_integrated_gradients', { n_steps: 5 }],
  ['layer_integrated_gradients', { n_steps: 4 }],
  ['layer_deeplift', {}],
];

describe('contrastive attribution with the gradient and layer methods (closed-form model)', () => {
  it.each(methodsWithArgs)('%s attributes logit(y) − logit(y′): per position (x − b) · (W[y] − W[y′])', async (method, args) => {
    const out = await attribute(model, 'the cat', {
      method,
      methods,
      attributionArgs: args,
      generatedTexts: 'the cat sat on',
      contrastTargets: 'the cat dog a',
      attributedFn: 'contrast_logits_diff',
    });
    const sequence = out.sequence_attributions[0];
    const unk = embeddingOf('<unk>');
    // Step 1 explains 'on' (after 'the cat sat') against the aligned 'a'.
    const w = Array.from(model.weight(idOf('on')), (v, h) => v - model.weight(idOf('a'))[h]);
    const nSteps = 2;
    const words = ['the', 'cat', 'sat'];
    words.forEach((word, position) => {
      const cell = sequence.target_attributions!.data.subarray((position * nSteps + 1) * hidden, (position * nSteps + 2) * hidden);
      const x = embeddingOf(word);
      const expected = w.map((v, h) => v * (x[h] - unk[h]));
      if (method === 'discretized_integrated_gradients') {
        // A bent path: only the per-position sum is exact.
        expect(cell.reduce((a, b) => a + b, 0)).toBeCloseTo(expected.reduce((a, b) => a + b, 0), 5);
      } else {
        expect(Array.from(cell)).toEqual(expected.map((v) => expect.closeTo(v, 5)));
      }
    });
  });

  it.each(methodsWithArgs)('%s gives each row of a contrastive batch its numbers alone', async (method, args) => {
    const inputs = ['the cat', 'a dog'];
    const options = { method, methods, attributionArgs: args, attributedFn: 'contrast_prob_diff' };
    const generated = ['the cat sat on', 'a dog sat on the mat'];
    const contrasts = ['the cat a dog', 'a dog on a cat'];
    const batched = await attribute(model, inputs, { ...options, generatedTexts: generated, contrastTargets: contrasts });
    for (let i = 0; i < inputs.length; i++) {
      const alone = await attribute(model, inputs[i], { ...options, generatedTexts: generated[i], contrastTargets: contrasts[i] });
      const theirs = alone.sequence_attributions[0].target_attributions!.data;
      const mine = batched.sequence_attributions[i].target_attributions!.data;
      expect(Array.from(mine)).toEqual(Array.from(theirs, (v) => (Number.isNaN(v) ? Number.NaN : expect.closeTo(v, 6))));
    }
  });
});
