import { type AttributionMethod, probability } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { deeplift } from './deeplift';
import { discretizedIntegratedGradients } from './discretized-integrated-gradients';
import {
  encoderDecoderStep,
  expectBothSides,
  model,
  times,
  unkSource,
  unkTarget,
} from './encoder-decoder-step.test-support';
import { gradientShap } from './gradient-shap';
import { inputXGradient } from './input-x-gradient';
import { integratedGradients } from './integrated-gradients';
import { saliency } from './saliency';
import { sequentialIntegratedGradients } from './sequential-integrated-gradients';

const W = (row: number) => model.weight(row === 0 ? 3 : 5);
const sum = (tensor: { data: Float32Array }, from: number, to: number) => tensor.data.subarray(from, to).reduce((a, b) => a + b, 0);

describe('gradient methods on an encoder-decoder step (logits = W · (Σ E_src + Σ E_dec))', () => {
  it('saliency is |W[target]| on every real source and target token, 0 on padding; abs: false keeps the sign', async () => {
    const out = await saliency.attributeStep(await encoderDecoderStep(saliency));
    expectBothSides(
      out,
      (b) => W(b).map(Math.abs),
      (b) => W(b).map(Math.abs),
    );
    const signed = await saliency.attributeStep(await encoderDecoderStep(saliency, { abs: false }));
    expectBothSides(signed, W, W);
  });

  it('input_x_gradient is x ⊙ W[target] with each side its own embedding table', async () => {
    const out = await inputXGradient.attributeStep(await encoderDecoderStep(inputXGradient));
    expectBothSides(
      out,
      (b, id) => times(b, model.targetEmbedding(id)),
      (b, id) => times(b, model.sourceEmbedding(id)),
    );
  });

  it('saliency of the probability is d p / d z = p_t (W_t − Σ p_v W_v), the same on both sides', async () => {
    const ctx = await encoderDecoderStep(saliency, { abs: false }, probability);
    const out = await saliency.attributeStep(ctx);
    // The backend's d F / d z at row 0's last decoder position equals the first source token's.
    expect(Array.from(out.attributions!.data.subarray(6, 9))).toEqual(Array.from(out.sourceAttributions!.data.subarray(0, 3)));
    expect(out.sourceAttributions!.data.subarray(0, 3).some((v) => v !== 0)).toBe(true);
  });

  it('integrated_gradients is exactly (x − unk) ⊙ W on both sides, one joint path, and complete over both', async () => {
    for (const method of ['gausslegendre', 'riemann_trapezoid'] as const) {
      const ctx = await encoderDecoderStep(integratedGradients, { n_steps: 5, method, return_convergence_delta: true, internal_batch_size: 3 });
      const out = await integratedGradients.attributeStep(ctx);
      // Captum's trapezoid weighs its 5 points 1/5 with halved ends (Σ = 4/5): a linear integral comes out 4/5
      // of its value and the delta is −gain/5, as in Captum and Inseq.
      const scale = method === 'riemann_trapezoid' ? 4 / 5 : 1;
      const scaled = (values: number[]) => values.map((v) => scale * v);
      expectBothSides(
        out,
        (b, id) => scaled(times(b, model.targetEmbedding(id), unkTarget)),
        (b, id) => scaled(times(b, model.sourceEmbedding(id), unkSource)),
        5,
        3,
        true,
      );
      if (method === 'gausslegendre') expect(Array.from(out.stepScores!.deltas)).toEqual([expect.closeTo(0, 5), expect.closeTo(0, 5)]);
      else expect(out.stepScores!.deltas.every((delta) => delta !== 0 && Number.isFinite(delta))).toBe(true);
    }
  });

  it('integrated_gradients is complete over both sides for the probability too (deltas → 0)', async () => {
    const ctx = await encoderDecoderStep(integratedGradients, { n_steps: 40, return_convergence_delta: true }, probability);
    const out = await integratedGradients.attributeStep(ctx);
    expect(Array.from(out.stepScores!.deltas)).toEqual([expect.closeTo(0, 4), expect.closeTo(0, 4)]);
    // Both sides carry part of the total.
    expect(Math.abs(sum(out.sourceAttributions!, 0, 9))).toBeGreaterThan(1e-4);
  });

  it('deeplift and sequential_integrated_gradients equal (x − unk) ⊙ W on the linear model; deltas 0', async () => {
    const cases: [AttributionMethod, Record<string, unknown>][] = [
      [deeplift, {}],
      [sequentialIntegratedGradients, { n_steps: 4 }],
    ];
    for (const [method, options] of cases) {
      const out = await method.attributeStep(await encoderDecoderStep(method, { return_convergence_delta: true, ...options }));
      expectBothSides(
        out,
        (b, id) => times(b, model.targetEmbedding(id), unkTarget),
        (b, id) => times(b, model.sourceEmbedding(id), unkSource),
        5,
        3,
        true,
      );
      expect(Array.from(out.stepScores!.deltas)).toEqual([expect.closeTo(0, 5), expect.closeTo(0, 5)]);
    }
  });

  it('gradient_shap without noise equals (x − baseline) ⊙ W on both sides; zeros baseline gives x ⊙ W', async () => {
    const out = await gradientShap.attributeStep(await encoderDecoderStep(gradientShap, { baselines: 'zeros', n_samples: 3 }));
    expectBothSides(
      out,
      (b, id) => times(b, model.targetEmbedding(id)),
      (b, id) => times(b, model.sourceEmbedding(id)),
      5,
      3,
      true,
    );
    const noisy = await gradientShap.attributeStep(await encoderDecoderStep(gradientShap, { stdevs: 0.1, n_samples: 4, return_convergence_delta: true }));
    expect(noisy.sourceAttributions!.shape).toEqual([2, 3, 3]);
    // Padding gets no noise: still exactly 0.
    expect(Array.from(noisy.sourceAttributions!.data.subarray(15, 18))).toEqual([0, 0, 0]);
    expect(Array.from(noisy.attributions!.data.subarray(9, 12))).toEqual([0, 0, 0]);
    expect(Array.from(noisy.stepScores!.deltas)).toEqual([expect.closeTo(0, 5), expect.closeTo(0, 5)]);
  });

  it('discretized_integrated_gradients walks both embedding tables and is complete over both sides', async () => {
    const ctx = await encoderDecoderStep(discretizedIntegratedGradients, { n_steps: 4, n_neighbors: 3, return_convergence_delta: true });
    const out = await discretizedIntegratedGradients.attributeStep(ctx);
    expect(out.attributions!.shape).toEqual([2, 3, 3]);
    expect(out.sourceAttributions!.shape).toEqual([2, 3, 3]);
    expect(Array.from(out.sourceAttributions!.data.subarray(15, 18))).toEqual([0, 0, 0]);
    expect(Array.from(out.attributions!.data.subarray(9, 12))).toEqual([0, 0, 0]);
    expect(Array.from(out.stepScores!.deltas)).toEqual([expect.closeTo(0, 5), expect.closeTo(0, 5)]);
    expect(Math.abs(sum(out.sourceAttributions!, 0, 9))).toBeGreaterThan(1e-4);
  });

  it('fails clearly when a backend gives no encoderGradients', async () => {
    const ctx = await encoderDecoderStep(saliency);
    const gradients = model.backend.gradients!;
    const blind = {
      ...model.backend,
      name: 'blind',
      gradients: async (input: Parameters<typeof gradients>[0]) => {
        const { encoderGradients: _, ...rest } = await gradients(input);
        return rest;
      },
    };
    await expect(saliency.attributeStep({ ...ctx, backend: blind })).rejects.toThrow(/Backend 'blind' returned no encoderGradients/);
  });
});
