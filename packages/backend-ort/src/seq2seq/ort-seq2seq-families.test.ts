import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyBart, createTinyT5, maxAbsDiff, tinyBartOnnxFiles, tinyT5OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const finite = (data: Float32Array) => Array.from(data).filter(Number.isFinite);

const families: [string, () => Record<string, Uint8Array>, () => Record<string, Uint8Array>][] = [
  ['bart (merged decoder)', () => tinyBartOnnxFiles({ merged: true, outputAttentions: true }), () => createTinyBart().files],
  ['mbart (decoder + with past)', () => tinyBartOnnxFiles({ family: 'mbart', withPast: true }), () => createTinyBart({ family: 'mbart' }).files],
  ['t5 relu (merged)', () => tinyT5OnnxFiles({ merged: true, outputAttentions: true }), () => createTinyT5().files],
  ['t5 gated-gelu (with past)', () => tinyT5OnnxFiles({ feedForwardProj: 'gated-gelu', withPast: true }), () => createTinyT5({ feedForwardProj: 'gated-gelu' }).files],
];

describe.each(families)('%s on ort equals tfjs on the same weights', (name, onnxFiles, safetensorsFiles) => {
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

  it('greedy generation gives the tokens of tfjs; step probabilities agree (1e-4)', async () => {
    const run = (model: AttributionModel) => attribute(model, ['The cat sat on the mat', 'A dog'], { method: 'dummy', methods, maxNewTokens: 5, stepScores: ['probability'] });
    const [a, b] = [await run(ort), await run(tfjs)];
    expect(a.sequence_attributions.map((s) => s.target.map((t) => t.id))).toEqual(b.sequence_attributions.map((s) => s.target.map((t) => t.id)));
    a.sequence_attributions.forEach((sequence, i) => {
      expect(maxAbsDiff(sequence.step_scores.probability.data, b.sequence_attributions[i].step_scores.probability.data)).toBeLessThan(1e-4);
    });
  });

  it.each([
    ['occlusion', {}],
    ['lime', { n_samples: 8, seed: 3 }],
  ] as const)('%s attributes source and target as tfjs does', async (method, attributionArgs) => {
    const run = (model: AttributionModel) =>
      attribute(model, 'The cat sat', { method, methods, generatedTexts: 'Le chat', attributeTarget: true, attributionArgs });
    const [a, b] = [await run(ort), await run(tfjs)];
    const [x, y] = [a.sequence_attributions[0], b.sequence_attributions[0]];
    expect(maxAbsDiff(x.source_attributions!.data, y.source_attributions!.data)).toBeLessThan(method === 'lime' ? 1e-3 : 1e-4);
    expect(maxAbsDiff(finite(x.target_attributions!.data), finite(y.target_attributions!.data))).toBeLessThan(method === 'lime' ? 1e-3 : 1e-4);
  });
});
