import { loadOrtBackend } from '@inseq/backend-ort';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, InseqError, loadTokenizer, memoryModelFiles, type ModelFiles } from '@inseq/core';
import { createTinyGpt2, createTinyLlama, type LlamaFamily, tinyGpt2OnnxFiles, tinyLlamaOnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';

/**
 * Every registered method on every architecture and backend: a method whose capabilities the
 * backend offers runs and gives Inseq's layout; one it lacks fails before any work with the
 * capability error. Options keep each run small; the numbers themselves are checked elsewhere.
 */
const { methods } = createDefaultRegistries();
const small: Record<string, Record<string, unknown>> = {
  integrated_gradients: { n_steps: 3 },
  layer_integrated_gradients: { n_steps: 3 },
  discretized_integrated_gradients: { n_steps: 3 },
  sequential_integrated_gradients: { n_steps: 2 },
  gradient_shap: { n_samples: 2 },
  lime: { n_samples: 6 },
  reagent: { keep_top_n: 1, max_probe_steps: 2, num_probes: 2 },
};
/** Trailing axes each family leaves (before aggregation): hidden size, layers × heads, layers, or none. */
function trailingAxes(method: string, backendConfig: { hiddenSize: number; numLayers: number; numHeads: number }): number[] {
  if (['attention'].includes(method)) return [backendConfig.numLayers, backendConfig.numHeads];
  if (method === 'value_zeroing') return [backendConfig.numLayers];
  if (['occlusion', 'lime', 'reagent', 'attention_rollout'].includes(method)) return [];
  return [backendConfig.hiddenSize];
}

const llama = (family: LlamaFamily) => ({ family, seed: 1 });
const models: [string, () => Promise<AttributionModel>][] = [
  ['gpt2 · tfjs', () => load(memoryModelFiles(createTinyGpt2().files, 'gpt2'), loadTfjsBackend)],
  ...(['llama', 'qwen2', 'gemma'] as LlamaFamily[]).map(
    (family): [string, () => Promise<AttributionModel>] => [`${family} · tfjs`, () => load(memoryModelFiles(createTinyLlama(llama(family)).files, family), loadTfjsBackend)],
  ),
  ['gpt2 · ort (attentions, value zeroing)', () => load(memoryModelFiles(tinyGpt2OnnxFiles({ outputAttentions: true, valueZeroing: true }), 'gpt2-onnx'), loadOrtBackend)],
  ['llama · ort (KV cache)', () => load(memoryModelFiles(tinyLlamaOnnxFiles({ ...llama('llama'), withPast: true }), 'llama-onnx'), loadOrtBackend)],
];

async function load(files: ModelFiles, loader: (files: ModelFiles) => Promise<AttributionModel['backend']>): Promise<AttributionModel> {
  return { name: files.location, backend: await loader(files), tokenizer: await loadTokenizer(files) };
}

describe.each(models)('every method on %s', (_, loadModel) => {
  let model: AttributionModel;
  beforeAll(async () => {
    model = await loadModel();
  });
  afterAll(() => model?.backend.dispose());

  it.each(methods.list())('%s', async (name) => {
    const method = methods.get(name);
    const run = attribute(model, 'The cat sat', {
      method: name,
      methods,
      generatedTexts: 'The cat sat on the mat',
      attributionArgs: small[name] ?? {},
      stepScores: ['probability'],
    });
    const missing = method.requires.filter((capability) => model.backend.capabilities[capability] !== true);
    if (missing.length > 0) {
      const error = await run.catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error) && (error as InseqError).code).toBe('MISSING_CAPABILITY');
      return;
    }
    const out = await run;
    const sequence = out.sequence_attributions[0];
    const steps = sequence.attr_pos_end - sequence.attr_pos_start;
    expect(steps).toBeGreaterThan(1);
    expect(sequence.step_scores.probability.shape).toEqual([steps]);
    if (name === 'dummy') {
      expect(sequence.target_attributions).toBeNull();
      return;
    }
    const attributions = sequence.target_attributions!;
    expect(attributions.shape).toEqual([sequence.target.length, steps, ...trailingAxes(name, model.backend.config)]);
    const inner = attributions.shape.slice(2).reduce((a, b) => a * b, 1);
    // Position p is visible at step s exactly when p < attr_pos_start + s: finite there, NaN after.
    for (let p = 0; p < sequence.target.length; p++) {
      for (let s = 0; s < steps; s++) {
        const value = attributions.data[(p * steps + s) * inner];
        if (p < sequence.attr_pos_start + s) expect(Number.isFinite(value), `position ${p}, step ${s}`).toBe(true);
        else expect(value, `position ${p}, step ${s}`).toBeNaN();
      }
    }
  });
});
