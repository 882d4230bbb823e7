import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer } from '@inseq/core';
import { tinyGpt2ModelFiles } from '@inseq/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { registerBuiltinMethods } from '../register-builtin-methods';

const files = tinyGpt2ModelFiles();
const model: AttributionModel = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const { capabilities } = model.backend;
// These tests need the backend's layer and rescale features; until it has them they are skipped.

afterAll(() => model.backend.dispose());

const prompt = 'The capital of France is';
const continuation = 'The capital of France is Paris.';

async function run(method: string, attributionArgs: Record<string, unknown>, attributedFn = 'logit') {
  const out = await attribute(model, prompt, { method, methods, attributionArgs, generatedTexts: continuation, attributedFn });
  return out.sequence_attributions[0];
}

/** Largest |a − b| over the finite entries, relative to the largest |b|. */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) continue;
    difference = Math.max(difference, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return difference / scale;
}

const meanAbs = (values: Float32Array) => values.reduce((a, v) => a + Math.abs(v), 0) / values.length;

describe('gradient and layer methods on the tiny GPT-2 (tfjs backend)', () => {
  it('runs on a backend that offers layers and rescaled gradients', () => {
    expect(capabilities.layerActivations).toBe(true);
    expect(capabilities.rescaleGradients).toBe(true);
  });
  it('lists transformer.wte first: the default target_layer is the token embeddings', () => {
    const names = model.backend.layerNames!();
    expect(names[0]).toBe('transformer.wte');
    expect(names).toContain('transformer.h.0');
  });

  it('layer_integrated_gradients at transformer.wte equals integrated_gradients', async () => {
    const args = { n_steps: 16, return_convergence_delta: true };
    const ig = await run('integrated_gradients', args);
    const layer = await run('layer_integrated_gradients', { ...args, target_layer: 'transformer.wte' });
    const byDefault = await run('layer_integrated_gradients', args);
    expect(relativeDifference(layer.target_attributions!.data, ig.target_attributions!.data)).toBeLessThan(1e-4);
    expect(relativeDifference(byDefault.target_attributions!.data, ig.target_attributions!.data)).toBeLessThan(1e-4);
  });

  it('layer_gradient_x_activation and layer_deeplift at transformer.wte equal input_x_gradient and deeplift', async () => {
    const ixg = await run('input_x_gradient', {}, 'probability');
    const gxa = await run('layer_gradient_x_activation', { target_layer: 'transformer.wte' }, 'probability');
    expect(relativeDifference(gxa.target_attributions!.data, ixg.target_attributions!.data)).toBeLessThan(1e-4);
    const deeplift = await run('deeplift', {}, 'probability');
    const layerDeeplift = await run('layer_deeplift', { target_layer: 'transformer.wte' }, 'probability');
    expect(relativeDifference(layerDeeplift.target_attributions!.data, deeplift.target_attributions!.data)).toBeLessThan(1e-4);
  });

  it('layer_integrated_gradients at transformer.h.0 is complete: Σ attributions → F(x) − F(b) as n_steps grows', async () => {
    const coarse = await run('layer_integrated_gradients', { target_layer: 'transformer.h.0', n_steps: 2, return_convergence_delta: true });
    const fine = await run('layer_integrated_gradients', { target_layer: 'transformer.h.0', n_steps: 64, return_convergence_delta: true });
    const [hidden] = fine.target_attributions!.shape.slice(2);
    expect(hidden).toBe(32);
    expect(meanAbs(fine.step_scores.deltas.data)).toBeLessThan(meanAbs(coarse.step_scores.deltas.data) / 10);
    expect(Math.max(...Array.from(fine.step_scores.deltas.data, Math.abs))).toBeLessThan(1e-3);
  });

  it("deeplift's delta follows Captum's definition, Σ attributions − (F(x) − F(b)); Rescale changes the numbers", async () => {
    const promptIds = Int32Array.from(model.tokenizer.encode(prompt));
    const length = promptIds.length;
    const out = await attribute(model, prompt, {
      method: 'deeplift',
      methods,
      attributionArgs: { return_convergence_delta: true },
      generatedTexts: continuation,
      attributedFn: 'logit',
      attrPosEnd: length + 1,
    });
    const sequence = out.sequence_attributions[0];
    const next = sequence.target[length].id;
    const logitAt = async (ids: Int32Array) => {
      const inputsEmbeds = await model.backend.embed({ data: ids, shape: [1, length] });
      const mask = { data: new Int32Array(length).fill(1), shape: [1, length] };
      const { logits } = await model.backend.forward({ inputIds: { data: promptIds, shape: [1, length] }, attentionMask: mask, inputsEmbeds });
      return logits.data[next];
    };
    const gain = (await logitAt(promptIds)) - (await logitAt(new Int32Array(length).fill(model.tokenizer.specialTokenIds.unk!)));
    const total = sequence.target_attributions!.data.slice(0, length * model.backend.config.hiddenSize).reduce((a, b) => a + b, 0);
    expect(sequence.step_scores.deltas.data[0]).toBeCloseTo(total - gain, 3);
    // Only the MLP activation is rescaled (LayerNorm and attention are not element-wise), so GPT-2
    // is not complete under DeepLIFT; but its multipliers are not the gradient at x either.
    const gradientTimesDifference = await run('integrated_gradients', { n_steps: 1, method: 'riemann_right' });
    const deeplift = await run('deeplift', {});
    expect(relativeDifference(deeplift.target_attributions!.data, gradientTimesDifference.target_attributions!.data)).toBeGreaterThan(0.01);
  });

  it.each([
    ['deeplift', {}],
    ['layer_integrated_gradients', { target_layer: 'transformer.h.0', n_steps: 4 }],
    ['layer_gradient_x_activation', { target_layer: 'transformer.h.1.mlp' }],
    ['layer_deeplift', { target_layer: 'transformer.h.0' }],
  ] as const)('%s gives each row of a padded batch its numbers alone', async (method, attributionArgs) => {
    const inputs = ['Hello', prompt];
    const generated = ['Hello world', continuation];
    const options = { method, methods, attributionArgs, attributedFn: 'probability' };
    const batched = await attribute(model, inputs, { ...options, generatedTexts: generated });
    for (let i = 0; i < inputs.length; i++) {
      const alone = await attribute(model, inputs[i], { ...options, generatedTexts: generated[i] });
      const theirs = alone.sequence_attributions[0].target_attributions!;
      const mine = batched.sequence_attributions[i].target_attributions!;
      expect(mine.shape).toEqual(theirs.shape);
      expect(relativeDifference(mine.data, theirs.data)).toBeLessThan(1e-4);
    }
  });

  it('names the layers when target_layer is unknown', async () => {
    await expect(run('layer_integrated_gradients', { target_layer: 'transformer.h.9' })).rejects.toThrow(
      /'target_layer' names no layer of this model: 'transformer.h.9'. Its layers are: transformer.wte, .*transformer.h.0/,
    );
  });
});
