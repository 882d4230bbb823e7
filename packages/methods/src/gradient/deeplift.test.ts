import type { AttributionModel } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import {
  embeddingOf,
  idOf,
  model,
  probabilities,
  probabilityGradient,
  stepAttributions,
  sumOf,
} from './closed-form.test-support';

const prefix = 'the cat sat';
const words = prefix.split(' ');
const w = model.weight(idOf('on'));
const unk = embeddingOf('<unk>');

describe('deeplift on the closed-form model', () => {
  it('is exactly (x − b) · W[target] for the logit, with a zero convergence delta', async () => {
    const { rows, sequence } = await stepAttributions('deeplift', prefix, 'on', { return_convergence_delta: true });
    rows.forEach((row, position) => {
      const x = embeddingOf(words[position]);
      expect(row).toEqual(Array.from(w, (v, h) => expect.closeTo(v * (x[h] - unk[h]), 6)));
    });
    expect(Math.abs(sequence.step_scores.deltas.data[0])).toBeLessThan(1e-5);
    const zeros = await stepAttributions('deeplift', prefix, 'on', { baselines: 'zeros' });
    zeros.rows.forEach((row, position) => {
      const x = embeddingOf(words[position]);
      expect(row).toEqual(Array.from(w, (v, h) => expect.closeTo(v * x[h], 6)));
    });
    const local = await stepAttributions('deeplift', prefix, 'on', { multiply_by_inputs: false });
    for (const row of local.rows) expect(row).toEqual(Array.from(w, (v) => expect.closeTo(v, 6)));
  });

  it('multiplies the rescale multipliers (here the gradient of p at x) by (x − b); delta = Σ − (p(x) − p(b))', async () => {
    const { rows, sequence } = await stepAttributions('deeplift', prefix, 'on', { return_convergence_delta: true }, { attributedFn: 'probability' });
    const z = sumOf(words.map(embeddingOf));
    const gradient = probabilityGradient(z, idOf('on'));
    rows.forEach((row, position) => {
      const x = embeddingOf(words[position]);
      expect(row).toEqual(gradient.map((g, h) => expect.closeTo(g * (x[h] - unk[h]), 6)));
    });
    const total = rows.flat().reduce((a, b) => a + b, 0);
    const gain = probabilities(z)[idOf('on')] - probabilities(sumOf(words.map(() => unk)))[idOf('on')];
    expect(sequence.step_scores.deltas.data[0]).toBeCloseTo(total - gain, 6);
  });

  it('asks the backend for rescale multipliers against the baseline embeddings', async () => {
    const seen: number[][] = [];
    const backend = {
      ...model.backend,
      gradients: async (input: Parameters<NonNullable<typeof model.backend.gradients>>[0]) => {
        const out = await model.backend.gradients!(input);
        if (!input.rescale) return out;
        seen.push(Array.from(input.rescale.referenceEmbeds.data));
        // Marked multipliers: twice the gradient, so the test sees they are the ones used.
        return { ...out, gradients: { ...out.gradients, data: out.gradients.data.map((v) => 2 * v) } };
      },
    };
    const doubled: AttributionModel = { ...model, backend };
    const { rows } = await stepAttributions('deeplift', prefix, 'on', {}, { model: doubled });
    expect(seen).toEqual([Array.from({ length: 9 }, (_, i) => expect.closeTo(unk[i % 3], 6))]);
    rows.forEach((row, position) => {
      const x = embeddingOf(words[position]);
      expect(row).toEqual(Array.from(w, (v, h) => expect.closeTo(2 * v * (x[h] - unk[h]), 6)));
    });
  });

  it('needs rescale multipliers from the backend and says so', async () => {
    const plain: AttributionModel = { ...model, backend: { ...model.backend, capabilities: { ...model.backend.capabilities, rescaleGradients: false } } };
    await expect(stepAttributions('deeplift', prefix, 'on', {}, { model: plain })).rejects.toThrow(
      /deeplift needs rescaleGradients; backend 'linear' offers: .*one of: .*integrated_gradients/,
    );
    await expect(stepAttributions('deeplift', prefix, 'on', { baseline: 'zeros' })).rejects.toThrow(
      "deeplift has no option 'baseline'. Did you mean 'baselines'? Its options are: baselines, multiply_by_inputs, return_convergence_delta.",
    );
  });
});
