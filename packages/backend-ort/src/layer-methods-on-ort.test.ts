import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, createTinyLlama, tinyGpt2OnnxFiles, tinyLlamaOnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));

/** Three blocks, so that `h.1` / `layers.1` is a block in the middle. */
const families = [
  {
    family: 'gpt2',
    onnx: (withPast: boolean) => tinyGpt2OnnxFiles({ nLayer: 3, withPast }),
    safetensors: () => createTinyGpt2({ nLayer: 3 }).files,
    layers: ['transformer.wte', 'transformer.h.1', 'transformer.h.2.mlp'],
  },
  {
    family: 'llama',
    onnx: (withPast: boolean) => tinyLlamaOnnxFiles({ family: 'llama', seed: 4, numLayers: 3, withPast }),
    safetensors: () => createTinyLlama({ family: 'llama', seed: 4, numLayers: 3 }).files,
    layers: ['model.embed_tokens', 'model.layers.1', 'model.layers.2.mlp'],
  },
] as const;

const methodCases = [
  ['layer_integrated_gradients', { n_steps: 8, return_convergence_delta: true }],
  ['layer_gradient_x_activation', {}],
  ['layer_gradient_x_activation', { multiply_by_inputs: false }],
] as const;

/** The largest |ort − tfjs| of each step (a column of `[target, steps, hidden]`) over that step's largest |tfjs|. */
function worstPerStep(got: Float32Array, expected: Float32Array, shape: readonly number[]): number {
  const [rows, steps, hidden] = shape;
  let worst = 0;
  for (let s = 0; s < steps; s++) {
    let scale = 0;
    let difference = 0;
    for (let r = 0; r < rows; r++) {
      for (let h = 0; h < hidden; h++) {
        const k = (r * steps + s) * hidden + h;
        if (!Number.isFinite(expected[k])) {
          expect(got[k]).toBeNaN();
          continue;
        }
        scale = Math.max(scale, Math.abs(expected[k]));
        difference = Math.max(difference, Math.abs(got[k] - expected[k]));
      }
    }
    expect(scale).toBeGreaterThan(0);
    worst = Math.max(worst, difference / scale);
  }
  return worst;
}

describe.each(families.flatMap((family) => [false, true].map((withPast) => ({ ...family, withPast }))))(
  'layer methods on $family (KV cache: $withPast) on ort equal tfjs on the same weights',
  ({ family, onnx, safetensors, layers, withPast }) => {
    let ort: AttributionModel;
    let tfjs: AttributionModel;
    beforeAll(async () => {
      const onnxFiles = memoryModelFiles(onnx(withPast), `tiny-${family}-onnx`);
      const tfjsFiles = memoryModelFiles(safetensors(), `tiny-${family}`);
      ort = { name: family, backend: await loadOrtBackend(onnxFiles, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(onnxFiles) };
      tfjs = { name: family, backend: await loadTfjsBackend(tfjsFiles), tokenizer: await loadTokenizer(tfjsFiles) };
    });
    afterAll(async () => {
      await ort?.backend.dispose();
      await tfjs?.backend.dispose();
    });

    it.each(layers.flatMap((layer) => methodCases.map(([method, args]) => [method, layer, args] as const)))(
      '%s at %s (%o)',
      async (method, layer, args) => {
        const options = {
          method,
          methods,
          // Two prompts of different lengths: a left-padded batch; several generated steps each.
          generatedTexts: ['the cat sat on', 'a dog'],
          attributionArgs: { ...args, target_layer: layer },
          stepScores: ['probability'],
        };
        const [onOrt, onTfjs] = [await attribute(ort, ['the cat', 'a'], options), await attribute(tfjs, ['the cat', 'a'], options)];
        for (const [i, sequence] of onOrt.sequence_attributions.entries()) {
          const expected = onTfjs.sequence_attributions[i];
          const attributions = sequence.target_attributions!;
          expect(attributions.shape).toEqual(expected.target_attributions!.shape);
          expect(worstPerStep(attributions.data, expected.target_attributions!.data, attributions.shape)).toBeLessThan(1e-4);
          for (const [id, score] of Object.entries(expected.step_scores)) {
            const mine = sequence.step_scores[id].data;
            score.data.forEach((value, k) => {
              expect(mine[k]).toBeCloseTo(value, 4);
            });
          }
        }
      },
    );
  },
);
