import { loadTfjsBackend } from '@inseq/backend-tfjs';
import {
  type AttributionMethod,
  type StepFunction,
  attribute,
  createRegistry,
  loadTokenizer,
  probability,
  registerBuiltinStepFunctions,
} from '@inseq/core';
import { conformanceModels, runMethodConformance, tinyGpt2ModelFiles } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import plugin, { gradientNorm, targetRank } from './index';

describe('example plugin (only @inseq/core + @inseq/backend-tfjs)', () => {
  it('registers its method and step function, which run by id on the tiny GPT-2', async () => {
    const files = tinyGpt2ModelFiles();
    const model = { name: 'tiny', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
    const methods = createRegistry<AttributionMethod>('attribution method');
    const stepFunctions = registerBuiltinStepFunctions(createRegistry<StepFunction>('step function'));
    plugin.register({ methods, stepFunctions, aggregators: createRegistry('aggregator') });
    // Greedy generation picks the argmax, so the target's rank is 0 at every step.
    const out = await attribute(model, 'Hello world', { method: 'gradient_norm', methods, stepFunctions, stepScores: ['target_rank'], maxNewTokens: 3 });
    const [sequence] = out.sequence_attributions;
    expect(Array.from(sequence.step_scores.target_rank.data)).toEqual([0, 0, 0].slice(0, sequence.attr_pos_end - sequence.attr_pos_start));
    // The norms equal the L2 norms of the backend's gradients, computed here independently.
    const ids = sequence.target.slice(0, sequence.attr_pos_start).map((t) => t.id);
    const batch = { inputIds: { data: Int32Array.from(ids), shape: [1, ids.length] }, attentionMask: { data: new Int32Array(ids.length).fill(1), shape: [1, ids.length] } };
    const { gradients } = await model.backend.gradients!({
      ...batch,
      inputsEmbeds: await model.backend.embed(batch.inputIds),
      targetIds: Int32Array.of(sequence.target[sequence.attr_pos_start].id),
      target: probability.differentiable!,
    });
    const steps = sequence.attr_pos_end - sequence.attr_pos_start;
    for (let p = 0; p < ids.length; p++) {
      const norm = Math.hypot(...gradients.data.subarray(p * 32, (p + 1) * 32));
      expect(sequence.target_attributions!.data[p * steps]).toBeCloseTo(norm, 6);
    }
    await model.backend.dispose();
  });

  it('passes the method conformance every plugin method should (shapes, NaN discipline, batching, determinism)', async () => {
    // What a plugin author writes: tiny models for a backend, the method, the trailing axes it promises.
    const models = await conformanceModels(loadTfjsBackend, { architectures: ['gpt2', 'llama'] });
    const stepFunctions = registerBuiltinStepFunctions(createRegistry<StepFunction>('step function')).register(targetRank);
    const report = await runMethodConformance(gradientNorm, { models, trailingAxes: [], stepFunctions, stepScores: ['probability', 'target_rank'] });
    expect(report.failures).toEqual([]);
    for (const model of models) await model.backend.dispose();
  });
});
