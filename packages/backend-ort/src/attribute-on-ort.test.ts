import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, referenceGpt2Forward, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;

/** Softmax of one row of reference logits. */
function softmax(row: Float64Array): Float64Array {
  const max = Math.max(...row);
  const exp = row.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / sum);
}

describe('attribute on the ort backend', () => {
  let model: AttributionModel;
  beforeAll(async () => {
    const files = memoryModelFiles(tinyGpt2OnnxFiles(), 'tiny-gpt2-onnx');
    model = { name: 'tiny-gpt2-onnx', backend: await loadOrtBackend(files, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(files) };
  });
  afterAll(async () => {
    await model?.backend.dispose();
  });

  it('dummy gives probability and entropy step scores equal to the reference model', async () => {
    const out = await attribute(model, 'the cat', {
      method: 'dummy',
      methods,
      generatedTexts: 'the cat sat on the mat',
      stepScores: ['probability', 'entropy'],
    });
    const sequence = out.sequence_attributions[0];
    expect(sequence.target_attributions).toBeNull();
    const ids = sequence.target.map((token) => token.id);
    const reference = referenceGpt2Forward(weights, config, [ids], [ids.map(() => 1)]).logits;
    const steps = sequence.attr_pos_end - sequence.attr_pos_start;
    expect(steps).toBeGreaterThan(1);
    expect(sequence.step_scores.probability.data).toHaveLength(steps);
    for (let s = 0; s < steps; s++) {
      const position = sequence.attr_pos_start + s;
      const p = softmax(reference.subarray((position - 1) * vocab, position * vocab));
      const entropy = -p.reduce((sum, v) => sum + (v > 0 ? v * Math.log(v) : 0), 0);
      expect(sequence.step_scores.probability.data[s]).toBeCloseTo(p[ids[position]], 4);
      expect(sequence.step_scores.entropy.data[s]).toBeCloseTo(entropy, 4);
    }
  });

  it('integrated_gradients fails before any work, naming ort and the methods that would run', async () => {
    const run = attribute(model, 'the cat', { method: 'integrated_gradients', methods, generatedTexts: 'the cat sat' });
    await expect(run).rejects.toMatchObject({ name: 'MissingCapabilityError', code: 'MISSING_CAPABILITY' });
    const message = await run.catch((error: Error) => error.message);
    expect(message).toMatch(/integrated_gradients needs gradients; backend 'ort' offers: forward/);
    expect(message).toMatch(/or one of: .*dummy/);
    // Occlusion and LIME with a token baseline replace ids, which an ids-only ONNX export takes.
    expect(message).toMatch(/or one of: .*occlusion.*lime|or one of: .*lime.*occlusion/);
  });

  it('occlusion runs on ort with the UNK baseline (as ids); a zeros baseline is refused, naming the ones that work', async () => {
    const out = await attribute(model, 'the cat', { method: 'occlusion', methods, generatedTexts: 'the cat sat' });
    const attributions = out.sequence_attributions[0].target_attributions!;
    expect(Array.from(attributions.data).some((v) => Number.isFinite(v) && v > 0)).toBe(true);
    const zeros = attribute(model, 'the cat', { method: 'occlusion', methods, generatedTexts: 'the cat sat', attributionArgs: { baselines: 'zeros' } });
    await expect(zeros).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(zeros).rejects.toThrow(/needs a backend that accepts embeddings.*backend 'ort' runs on token ids only.*'unk' or 'pad'/);
  });
});
