import { describe, expect, it } from 'vitest';
import { defineMethod, requireTarget } from '../contracts/attribution-method';
import { attribute } from './attribute';
import { linearModel } from './linear-backend.test-support';

const plainGradient = defineMethod({
  name: 'plain_gradient',
  family: 'gradient',
  requires: ['gradients'],
  description: 'test method',
  async attributeStep(ctx) {
    const { gradients, targetValues } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, 'plain_gradient') });
    return { attributions: gradients, stepScores: { target_value: targetValues } };
  },
});

const model = linearModel();
const softmaxAt = async (prefix: string, token: string) => {
  const ids = model.tokenizer.encode(prefix);
  const { logits } = await model.backend.forward({
    inputIds: { data: Int32Array.from(ids), shape: [1, ids.length] },
    attentionMask: { data: new Int32Array(ids.length).fill(1), shape: [1, ids.length] },
  });
  const id = model.tokenizer.encode(token)[0];
  const max = Math.max(...logits.data);
  const z = logits.data.reduce((a, v) => a + Math.exp(v - max), 0);
  return Math.exp(logits.data[id] - max) / z;
};

describe('contrastive attribution', () => {
  it('scores the aligned alternative after the original prefix, and attributes the difference', async () => {
    const out = await attribute(model, 'the cat', {
      method: plainGradient,
      generatedTexts: 'the cat sat on',
      contrastTargets: 'the cat sat a dog',
      attributedFn: 'contrast_prob_diff',
      stepScores: ['probability', 'contrast_prob', 'contrast_prob_diff'],
    });
    const scores = out.sequence_attributions[0].step_scores;
    // Step 0 explains 'sat' vs the aligned 'sat' (same token): difference 0. Step 1: 'on' vs 'a'.
    expect(scores.contrast_prob.data[0]).toBeCloseTo(await softmaxAt('the cat', 'sat'), 6);
    expect(scores.contrast_prob.data[1]).toBeCloseTo(await softmaxAt('the cat sat', 'a'), 6);
    expect(scores.contrast_prob_diff.data[0]).toBeCloseTo(0, 6);
    for (let s = 0; s < 2; s++) {
      expect(scores.target_value.data[s]).toBeCloseTo(scores.contrast_prob_diff.data[s], 6);
      expect(scores.contrast_prob_diff.data[s]).toBeCloseTo(scores.probability.data[s] - scores.contrast_prob.data[s], 6);
    }
    // Same token, same context: the gradient of p(y) − p(y) is exactly zero.
    const attributions = out.sequence_attributions[0].target_attributions!;
    expect(Math.max(...Array.from(attributions.data.subarray(0, 3)).map(Math.abs))).toBeLessThan(1e-6);
  });

  it('with contrastForceInputs scores the alternative after its own prefix', async () => {
    const out = await attribute(model, 'the cat', {
      method: plainGradient,
      generatedTexts: 'the cat sat on',
      contrastTargets: 'the cat a dog',
      contrastForceInputs: true,
      stepScores: ['contrast_prob'],
    });
    const scores = out.sequence_attributions[0].step_scores;
    expect(scores.contrast_prob.data[0]).toBeCloseTo(await softmaxAt('the cat', 'a'), 6);
    expect(scores.contrast_prob.data[1]).toBeCloseTo(await softmaxAt('the cat a', 'dog'), 6);
  });

  it('honours explicit alignments and works batched', async () => {
    const inputs = ['the cat', 'a dog'];
    const options = {
      method: plainGradient,
      generatedTexts: ['the cat sat on', 'a dog sat on the mat'],
      contrastTargets: ['the cat on sat', 'a dog on the mat sat'],
      attributedFn: 'contrast_logits_diff',
      stepScores: ['contrast_logits'],
    };
    const batched = await attribute(model, inputs, { ...options, contrastTargetsAlignments: [[[2, 3], [3, 2]], []] });
    const first = batched.sequence_attributions[0].step_scores.contrast_logits.data;
    // Target position 2 (sat) is aligned with contrast position 3 (sat) and 3 (on) with 2 (on): same tokens.
    const single = await attribute(model, inputs[0], {
      ...options,
      generatedTexts: options.generatedTexts[0],
      contrastTargets: options.contrastTargets[0],
      contrastTargetsAlignments: [[2, 3], [3, 2]],
    });
    expect(Array.from(first)).toEqual(Array.from(single.sequence_attributions[0].step_scores.contrast_logits.data));
    const diffs = single.sequence_attributions[0].step_scores.target_value.data;
    expect(diffs[0]).toBeCloseTo(0, 6);
    expect(diffs[1]).toBeCloseTo(0, 6);
    const autoSecond = await attribute(model, inputs[1], {
      ...options,
      generatedTexts: options.generatedTexts[1],
      contrastTargets: options.contrastTargets[1],
    });
    const batchedAuto = await attribute(model, inputs, options);
    expect(Array.from(batchedAuto.sequence_attributions[1].target_attributions!.data)).toEqual(
      Array.from(autoSecond.sequence_attributions[0].target_attributions!.data).map((v) => (Number.isNaN(v) ? v : expect.closeTo(v, 6))),
    );
  });

  it('rejects a contrastive target that does not start with the input, and bad alignments', async () => {
    await expect(
      attribute(model, 'the cat', { method: plainGradient, generatedTexts: 'the cat sat', contrastTargets: 'a dog sat' }),
    ).rejects.toThrow(/Contrastive target 0 .* does not start with its input text/);
    await expect(
      attribute(model, 'the cat', {
        method: plainGradient,
        generatedTexts: 'the cat sat',
        contrastTargets: 'the cat on',
        contrastTargetsAlignments: [[9, 0]],
      }),
    ).rejects.toThrow(/out of range/);
  });
});
