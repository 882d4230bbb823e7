import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, loadTokenizer } from '@inseq/core';
import { tinyGpt2ModelFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';

let model: AttributionModel;
beforeAll(async () => {
  const files = tinyGpt2ModelFiles();
  model = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
});
afterAll(() => model.backend.dispose());

const inputs = ['The capital of France is', 'Hello'];
const generated = ['The capital of France is Paris', 'Hello world'];
const contrasts = ['The capital of France is London', 'Hello there'];

describe('contrastive attribution on the tiny GPT-2', () => {
  it('integrated gradients of contrast_prob_diff are complete, batched equal single', async () => {
    const options = {
      method: 'integrated_gradients',
      attributedFn: 'contrast_prob_diff',
      attributionArgs: { n_steps: 32, return_convergence_delta: true },
      stepScores: ['contrast_prob_diff', 'probability'],
    };
    const batched = await attribute(model, inputs, { ...options, generatedTexts: generated, contrastTargets: contrasts });
    for (let i = 0; i < inputs.length; i++) {
      const single = await attribute(model, inputs[i], { ...options, generatedTexts: generated[i], contrastTargets: contrasts[i] });
      const a = batched.sequence_attributions[i];
      const b = single.sequence_attributions[0];
      a.target_attributions!.data.forEach((value, k) => {
        const expected = b.target_attributions!.data[k];
        if (Number.isNaN(expected)) expect(value).toBeNaN();
        else expect(Math.abs(value - expected)).toBeLessThan(1e-5 + 1e-3 * Math.abs(expected));
      });
      // Completeness of the contrastive target: the delta is tiny against the scale of the difference.
      for (const delta of a.step_scores.deltas.data) expect(Math.abs(delta)).toBeLessThan(1e-4);
    }
    // The contrast changes the answer: attributions of p(y) − p(y′) differ from those of p(y).
    const plain = await attribute(model, inputs[0], {
      method: 'integrated_gradients',
      attributionArgs: { n_steps: 32 },
      generatedTexts: generated[0],
    });
    const contrastive = batched.sequence_attributions[0].target_attributions!.data;
    const maxDifference = Math.max(
      ...Array.from(plain.sequence_attributions[0].target_attributions!.data, (v, k) => (Number.isNaN(v) ? 0 : Math.abs(v - contrastive[k]))),
    );
    expect(maxDifference).toBeGreaterThan(1e-6);
  });
});
