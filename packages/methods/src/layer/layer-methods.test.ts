import type { AttributionModel } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { embeddingOf, idOf, model, probabilities, stepAttributions, sumOf } from '../gradient/closed-form.test-support';

const prefix = 'the cat sat';
const words = prefix.split(' ');
const unk = embeddingOf('<unk>');
const probability = { attributedFn: 'probability' } as const;
const close = (rows: number[][], digits = 6) => rows.map((row) => row.map((v) => expect.closeTo(v, digits)));

describe('layer methods on the closed-form model (its one layer, embeddings, outputs the token embeddings)', () => {
  it('layer_integrated_gradients at the embeddings equals integrated_gradients, default and named', async () => {
    const args = { n_steps: 8, method: 'riemann_middle', return_convergence_delta: true };
    const ig = await stepAttributions('integrated_gradients', prefix, 'on', args, probability);
    const byDefault = await stepAttributions('layer_integrated_gradients', prefix, 'on', args, probability);
    const named = await stepAttributions('layer_integrated_gradients', prefix, 'on', { ...args, target_layer: 'embeddings', internal_batch_size: 5 }, probability);
    expect(byDefault.rows).toEqual(close(ig.rows));
    expect(named.rows).toEqual(close(ig.rows));
    expect(byDefault.sequence.step_scores.deltas.data[0]).toBeCloseTo(ig.sequence.step_scores.deltas.data[0], 6);
  });

  it('layer_integrated_gradients is (a − a′) · W[target] for the logit and complete for the probability', async () => {
    const w = model.weight(idOf('on'));
    const { rows } = await stepAttributions('layer_integrated_gradients', prefix, 'on', { n_steps: 2 });
    rows.forEach((row, position) => {
      const x = embeddingOf(words[position]);
      expect(row).toEqual(Array.from(w, (v, h) => expect.closeTo(v * (x[h] - unk[h]), 6)));
    });
    const fine = await stepAttributions('layer_integrated_gradients', prefix, 'on', {}, probability);
    const embeddings = words.map(embeddingOf);
    const gain = probabilities(sumOf(embeddings))[idOf('on')] - probabilities(sumOf(embeddings.map(() => unk)))[idOf('on')];
    expect(fine.rows.flat().reduce((a, b) => a + b, 0)).toBeCloseTo(gain, 6);
  });

  it('layer_gradient_x_activation at the embeddings equals input_x_gradient', async () => {
    const ixg = await stepAttributions('input_x_gradient', prefix, 'on', {}, probability);
    const layer = await stepAttributions('layer_gradient_x_activation', prefix, 'on', {}, probability);
    expect(layer.rows).toEqual(close(ixg.rows));
    const saliency = await stepAttributions('saliency', prefix, 'on', { abs: false }, probability);
    const gradientOnly = await stepAttributions('layer_gradient_x_activation', prefix, 'on', { multiply_by_inputs: false }, probability);
    expect(gradientOnly.rows).toEqual(close(saliency.rows));
  });

  it('layer_deeplift at the embeddings equals deeplift', async () => {
    const args = { baselines: 'zeros', return_convergence_delta: true };
    const deeplift = await stepAttributions('deeplift', prefix, 'on', args, probability);
    const layer = await stepAttributions('layer_deeplift', prefix, 'on', { ...args, target_layer: 'embeddings' }, probability);
    expect(layer.rows).toEqual(close(deeplift.rows));
    expect(layer.sequence.step_scores.deltas.data[0]).toBeCloseTo(deeplift.sequence.step_scores.deltas.data[0], 6);
  });

  it('names the valid layers when target_layer is unknown, and the valid options when one is', async () => {
    for (const method of ['layer_integrated_gradients', 'layer_gradient_x_activation', 'layer_deeplift']) {
      await expect(stepAttributions(method, prefix, 'on', { target_layer: 'transformer.h.3' })).rejects.toThrow(
        `${method} option 'target_layer' names no layer of this model: 'transformer.h.3'. Its layers are: embeddings.`,
      );
    }
    await expect(stepAttributions('layer_integrated_gradients', prefix, 'on', { layer: 'embeddings' })).rejects.toThrow(
      "layer_integrated_gradients has no option 'layer'. Its options are: target_layer, n_steps, method, internal_batch_size, baselines, multiply_by_inputs, return_convergence_delta.",
    );
  });

  it('needs layer activations from the backend and says so', async () => {
    const capabilities = { ...model.backend.capabilities, layerActivations: false };
    const plain: AttributionModel = { ...model, backend: { ...model.backend, capabilities } };
    await expect(stepAttributions('layer_gradient_x_activation', prefix, 'on', {}, { model: plain })).rejects.toThrow(
      /layer_gradient_x_activation needs layerActivations; backend 'linear' offers: .*one of: .*input_x_gradient/,
    );
  });
});
