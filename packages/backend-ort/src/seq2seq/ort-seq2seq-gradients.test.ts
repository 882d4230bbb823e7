import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionMethod, type AttributionModel, type FeatureAttributionOutput, attribute, createRegistry, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyBart, createTinyMarian, createTinyT5, tinyBartOnnxFiles, tinyMarianOnnxFiles, tinyT5OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));

/** Largest |a − b| over the finite entries of `b`, relative to the largest |b| (NaN where b is NaN). */
function relativeError(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let k = 0; k < b.length; k++) {
    if (!Number.isFinite(b[k])) {
      expect(a[k]).toBeNaN();
      continue;
    }
    scale = Math.max(scale, Math.abs(b[k]));
    worst = Math.max(worst, Math.abs(a[k] - b[k]));
  }
  expect(scale).toBeGreaterThan(0);
  return worst / scale;
}

/**
 * Per generation step (axis 1 of Inseq's `[length, steps, …]` source / target attributions), the
 * largest error relative to that step's largest value.
 */
function worstStepError(ours: FeatureAttributionOutput, theirs: FeatureAttributionOutput, side: 'source_attributions' | 'target_attributions'): number {
  let worst = 0;
  for (const [i, sequence] of ours.sequence_attributions.entries()) {
    const a = sequence[side]!;
    const b = theirs.sequence_attributions[i][side]!;
    expect(a.shape).toEqual(b.shape);
    const steps = a.shape[1];
    const stride = a.shape.slice(2).reduce((x, y) => x * y, 1);
    for (let step = 0; step < steps; step++) {
      const pick = (t: { data: Float32Array }) => Float32Array.from(t.data.filter((_, k) => Math.floor(k / stride) % steps === step));
      const expected = pick(b);
      if (!expected.some((v) => Number.isFinite(v) && v !== 0)) continue;
      worst = Math.max(worst, relativeError(pick(a), expected));
    }
  }
  return worst;
}

const families: [string, () => Record<string, Uint8Array>, () => Record<string, Uint8Array>][] = [
  ['marian', () => tinyMarianOnnxFiles({ withPast: true }), () => createTinyMarian().files],
  ['bart (merged decoder)', () => tinyBartOnnxFiles({ merged: true }), () => createTinyBart().files],
  ['t5 (merged decoder)', () => tinyT5OnnxFiles({ merged: true }), () => createTinyT5().files],
];

describe.each(families)('gradient methods on the ort %s equal tfjs on the same weights (source and target sides)', (name, onnxFiles, safetensorsFiles) => {
  let ort: AttributionModel;
  let tfjs: AttributionModel;
  beforeAll(async () => {
    const onnx = memoryModelFiles(onnxFiles(), `${name}-onnx`);
    const safetensors = memoryModelFiles(safetensorsFiles(), name);
    ort = { name, backend: await loadOrtBackend(onnx, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(onnx) };
    tfjs = { name, backend: await loadTfjsBackend(safetensors), tokenizer: await loadTokenizer(safetensors) };
  });
  afterAll(async () => {
    await ort?.backend.dispose();
    await tfjs?.backend.dispose();
  });

  it('offers gradients and embeddingInputs', () => {
    expect(ort.backend.capabilities).toMatchObject({ gradients: true, embeddingInputs: true });
  });

  it.each([
    ['saliency', {}],
    ['input_x_gradient', {}],
    ['integrated_gradients', { n_steps: 6, return_convergence_delta: true }],
    ['gradient_shap', { n_samples: 3 }],
    ['sequential_integrated_gradients', { n_steps: 3 }],
    ['discretized_integrated_gradients', { n_steps: 4, n_neighbors: 5 }],
  ] as const)('%s', async (method, attributionArgs) => {
    // Two rows of different target lengths: the decoder batch is left-padded, the source right-padded.
    const options = { method, methods, generatedTexts: ['Le chat est', 'Un'], attributeTarget: true, attributionArgs, stepScores: ['probability'] };
    const inputs = ['The cat sat on the mat', 'A dog'];
    const [a, b] = [await attribute(ort, inputs, options), await attribute(tfjs, inputs, options)];
    const source = worstStepError(a, b, 'source_attributions');
    const target = worstStepError(a, b, 'target_attributions');
    console.info(`${name} ${method}: source ${source.toExponential(2)}, target ${target.toExponential(2)} (max |Δ| / step's max |tfjs|)`);
    expect(source).toBeLessThan(1e-4);
    expect(target).toBeLessThan(1e-4);
    for (const [i, sequence] of a.sequence_attributions.entries()) {
      for (const [id, score] of Object.entries(sequence.step_scores)) {
        const reference = b.sequence_attributions[i].step_scores[id].data;
        score.data.forEach((v, k) => {
          expect(v).toBeCloseTo(reference[k], 4);
        });
      }
    }
  });
});
