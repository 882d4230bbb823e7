import { attribute } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { methods, model } from './closed-form.test-support';

const inputs = ['the cat sat', 'a dog'];
const generated = ['the cat sat on the mat', 'a dog sat on a mat'];
const cases: [string, Record<string, unknown>][] = [
  ['deeplift', { return_convergence_delta: true }],
  ['gradient_shap', { n_samples: 6, stdevs: 0.2, baselines: ['unk', 'zeros'], return_convergence_delta: true }],
  ['sequential_integrated_gradients', { n_steps: 5, return_convergence_delta: true }],
  ['discretized_integrated_gradients', { n_steps: 6, return_convergence_delta: true }],
  ['layer_integrated_gradients', { n_steps: 5, return_convergence_delta: true }],
  ['layer_gradient_x_activation', {}],
  ['layer_deeplift', { return_convergence_delta: true }],
];

/** NaN-aware closeness matcher for a whole attribution tensor. */
const closeTo = (data: Float32Array) => Array.from(data, (v) => (Number.isNaN(v) ? Number.NaN : expect.closeTo(v, 6)));

describe('batched equals one by one (left padding, two lengths) on the closed-form model', () => {
  it.each(cases)('%s', async (method, attributionArgs) => {
    const options = { method, methods, attributedFn: 'probability', attributionArgs };
    const batched = await attribute(model, inputs, { ...options, generatedTexts: generated });
    for (let i = 0; i < inputs.length; i++) {
      const alone = await attribute(model, inputs[i], { ...options, generatedTexts: generated[i] });
      const [mine, theirs] = [batched.sequence_attributions[i], alone.sequence_attributions[0]];
      expect(mine.target_attributions!.shape).toEqual(theirs.target_attributions!.shape);
      expect(Array.from(mine.target_attributions!.data)).toEqual(closeTo(theirs.target_attributions!.data));
      for (const [name, scores] of Object.entries(theirs.step_scores)) {
        expect(Array.from(mine.step_scores[name].data)).toEqual(closeTo(scores.data));
      }
    }
  });
});
