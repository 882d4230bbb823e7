import { type AttributionModel, memoryModelFiles } from '@inseq/core';
import { createTinyLlama } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { loadModel } from './load-model';

describe.each(['llama', 'qwen2', 'gemma'] as const)('attribute on a tiny %s (tfjs, loaded by loadModel)', (family) => {
  let model: AttributionModel;
  beforeAll(async () => {
    model = await loadModel(memoryModelFiles(createTinyLlama({ family }).files, `tiny-${family}`));
  });
  afterAll(() => model?.backend.dispose());

  it('the backend and the SentencePiece tokenizer are picked from the folder', () => {
    expect(model.backend.name).toBe('tfjs');
    expect(model.backend.config.modelType).toBe(family);
    // Llama and gemma prepend <s> (id 1); qwen2's byte-level tokenizer has no bos.
    expect(model.tokenizer.encode('The cat')[0] === 1).toBe(family !== 'qwen2');
  });

  it('integrated gradients are complete (|delta| small) and cover <s> + prompt + generation', async () => {
    const out = await attribute(model, 'The cat sat', {
      method: 'integrated_gradients',
      generatedTexts: 'The cat sat on the mat',
      attributionArgs: { n_steps: 64, return_convergence_delta: true },
    });
    const sequence = out.sequence_attributions[0];
    expect(sequence.target[0].token).toBe(family === 'qwen2' ? 'The' : '<s>');
    const steps = sequence.attr_pos_end - sequence.attr_pos_start;
    expect(steps).toBeGreaterThan(1);
    expect(sequence.target_attributions!.shape.slice(0, 2)).toEqual([sequence.target.length, steps]);
    const deltas = Array.from(sequence.step_scores.deltas.data, Math.abs);
    expect(Math.max(...deltas)).toBeLessThan(0.05);
  });

  it('attention and occlusion run and give finite scores on visible positions', async () => {
    for (const method of ['attention', 'occlusion']) {
      const out = await attribute(model, 'The cat sat', { method, generatedTexts: 'The cat sat on the mat' });
      const data = out.sequence_attributions[0].target_attributions!.data;
      expect(Array.from(data).filter(Number.isFinite).length).toBeGreaterThan(0);
    }
  });
});
