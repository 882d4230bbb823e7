import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, type ContrastRows, builtinStepFunctions, loadTokenizer } from '@inseq/core';
import { tinyGpt2ModelFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let model: AttributionModel;
beforeAll(async () => {
  const files = tinyGpt2ModelFiles();
  model = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
});
afterAll(() => model.backend.dispose());

describe('every differentiable step function works as a gradient target', () => {
  const differentiable = builtinStepFunctions.filter((fn) => fn.differentiable);

  it('covers the differentiable ids', () => {
    expect(differentiable.map((fn) => fn.name)).toEqual([
      'probability', 'logit', 'entropy', 'crossentropy', 'perplexity', 'contrast_logits', 'contrast_prob',
      'contrast_logits_diff', 'contrast_prob_diff', 'pcxmi', 'kl_divergence', 'in_context_pvi',
    ]);
  });

  for (const fn of differentiable) {
    for (const mode of ['shared context', 'other context'] as const) {
      it(`${fn.name} (${mode}): backend gradient of the differentiable form = finite differences of the plain form`, async () => {
        const ids = model.tokenizer.encode('The capital of France is');
        const batch = {
          inputIds: { data: Int32Array.from(ids), shape: [1, ids.length] },
          attentionMask: { data: new Int32Array(ids.length).fill(1), shape: [1, ids.length] },
        };
        const targetIds = Int32Array.of(model.tokenizer.encode(' Paris')[0]);
        const alternative = Int32Array.of(model.tokenizer.encode(' London')[0]);
        // The alternative is read from the same logits, or scored in another context (a constant).
        const other = model.tokenizer.encode('Hello world, the');
        const { logits: contextLogits } = await model.backend.forward({
          inputIds: { data: Int32Array.from(other), shape: [1, other.length] },
          attentionMask: { data: new Int32Array(other.length).fill(1), shape: [1, other.length] },
        });
        const contrast: ContrastRows = mode === 'shared context' ? { ids: alternative } : { ids: alternative, contextLogits };
        const embeds = await model.backend.embed(batch.inputIds);
        const { gradients, targetValues } = await model.backend.gradients!({
          ...batch,
          inputsEmbeds: embeds,
          targetIds,
          target: fn.differentiable!,
          contrast,
        });
        const value = async (data: Float32Array) => {
          const { logits } = await model.backend.forward({ ...batch, inputsEmbeds: { data, shape: embeds.shape } });
          return (await fn.compute({ logits, targetIds, contrast, options: {} }))[0];
        };
        const plain = await value(embeds.data);
        expect(Math.abs(targetValues[0] - plain)).toBeLessThan(1e-4 * (1 + Math.abs(plain)));
        const scale = Math.max(...Array.from(gradients.data, Math.abs));
        const largest = Array.from(gradients.data.keys())
          .sort((a, b) => Math.abs(gradients.data[b]) - Math.abs(gradients.data[a]))
          .slice(0, 3);
        for (const index of [...largest, 7]) {
          const eps = 1e-2;
          const plus = Float32Array.from(embeds.data);
          const minus = Float32Array.from(embeds.data);
          plus[index] += eps;
          minus[index] -= eps;
          const numeric = ((await value(plus)) - (await value(minus))) / (2 * eps);
          expect(Math.abs(numeric - gradients.data[index])).toBeLessThan(0.05 * scale + 1e-5 * (1 + Math.abs(plain)));
        }
      });
    }
  }
});
