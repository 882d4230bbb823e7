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
const ready = capabilities.layerActivations && capabilities.rescaleGradients === true && typeof model.backend.layerNames === 'function';

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

describe.runIf(ready)('gradient and layer methods on the tiny GPT-2 (tfjs backend)', () => {
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

  it('deeplift is close to complete (Captum delta) and closer than gradient × (x − b)', async () => {
    const deeplift = await run('deeplift', { return_convergence_delta: true });
    // DeepLIFT without Rescale is the gradient at x times (x − b): layer_deeplift's multipliers
    // replaced by plain gradients. Its delta is the yardstick.
    const ig1 = await run('integrated_gradients', { n_steps: 1, method: 'riemann_right', return_convergence_delta: true });
    expect(meanAbs(deeplift.step_scores.deltas.data)).toBeLessThan(meanAbs(ig1.step_scores.deltas.data));
  });

  it('names the layers when target_layer is unknown', async () => {
    await expect(run('layer_integrated_gradients', { target_layer: 'transformer.h.9' })).rejects.toThrow(
      /'target_layer' names no layer of this model: 'transformer.h.9'. Its layers are: transformer.wte, .*transformer.h.0/,
    );
  });
});
