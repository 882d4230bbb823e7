import { ortBackendLoader } from '@inseq/backend-ort';
import { tfjsBackendLoader } from '@inseq/backend-tfjs';
import { type AttributionModel, type BackendLoader, type ForwardInput, createRegistry, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { loadModel } from './load-model';

/** Both backends run the same tiny GPT-2 weights: safetensors for tfjs, an ONNX export for ort. */
const backends = () => createRegistry<BackendLoader>('backend').register(tfjsBackendLoader).register(ortBackendLoader);
const TOLERANCE = 1e-4;
const stepScoresArgs = { top_p: 0.9 };

/**
 * Largest difference of two score arrays, relative where a score exceeds 1: perplexity reaches
 * the thousands, where float32 alone spaces values 1e-3 apart.
 */
function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return max;
}

/** Largest difference of two score arrays where NaN (positions not attributed) must match NaN. */
function maxDiffNanAware(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let max = 0;
  let compared = 0;
  for (let i = 0; i < a.length; i++) {
    expect(Number.isNaN(b[i])).toBe(Number.isNaN(a[i]));
    if (Number.isNaN(a[i])) continue;
    max = Math.max(max, Math.abs(a[i] - b[i]));
    compared++;
  }
  expect(compared).toBeGreaterThan(0);
  return max;
}

/** Every step function that needs neither gradients, dropout nor a contrast. */
const STEP_SCORES = ['probability', 'entropy', 'crossentropy', 'perplexity', 'logit', 'top_p_size'];

describe('backends proven equal: tfjs and ort on the same weights', () => {
  let tfjs: AttributionModel;
  let ort: AttributionModel;
  beforeAll(async () => {
    tfjs = await loadModel(memoryModelFiles(createTinyGpt2().files, 'tiny-gpt2'), { backends: backends() });
    ort = await loadModel(memoryModelFiles(tinyGpt2OnnxFiles(), 'tiny-gpt2-onnx'), { backends: backends() });
  });
  afterAll(async () => {
    await tfjs?.backend.dispose();
    await ort?.backend.dispose();
  });

  it('picks tfjs for the safetensors folder and ort for the ONNX-only folder', () => {
    expect(tfjs.backend.name).toBe('tfjs');
    expect(ort.backend.name).toBe('ort');
  });

  const single: ForwardInput = {
    inputIds: intTensorFromRows([[5, 9, 14, 3, 22, 7]]),
    attentionMask: intTensorFromRows([[1, 1, 1, 1, 1, 1]]),
  };
  const leftPadded: ForwardInput = {
    inputIds: intTensorFromRows([
      [5, 9, 14, 3, 22, 7],
      [0, 0, 0, 11, 4, 30],
    ]),
    attentionMask: intTensorFromRows([
      [1, 1, 1, 1, 1, 1],
      [0, 0, 0, 1, 1, 1],
    ]),
  };

  for (const [label, input] of [
    ['single sequence', single],
    ['left-padded batch', leftPadded],
  ] as const) {
    for (const logitsAt of ['last', 'all'] as const) {
      it(`${logitsAt}-position logits agree within 1e-4 (${label})`, async () => {
        const a = await tfjs.backend.forward({ ...input, logitsAt });
        const b = await ort.backend.forward({ ...input, logitsAt });
        expect(b.logits.shape).toEqual(a.logits.shape);
        if (logitsAt === 'all' && input === leftPadded) {
          // Padded positions are masked garbage on any backend; compare the real tokens only.
          const [batch, length, vocab] = a.logits.shape;
          for (let row = 0; row < batch; row++) {
            for (let position = 0; position < length; position++) {
              if (input.attentionMask.data[row * length + position] === 0) continue;
              const offset = (row * length + position) * vocab;
              expect(maxAbsDiff(a.logits.data.subarray(offset, offset + vocab), b.logits.data.subarray(offset, offset + vocab))).toBeLessThan(TOLERANCE);
            }
          }
        } else {
          expect(maxAbsDiff(a.logits.data, b.logits.data)).toBeLessThan(TOLERANCE);
        }
      });
    }
  }

  it('greedy generation through attribute gives the same tokens and step scores within 1e-4', async () => {
    const run = (model: AttributionModel) =>
      attribute(model, ['the cat', 'a dog sat on'], { method: 'dummy', maxNewTokens: 5, stepScores: STEP_SCORES, stepScoresArgs });
    const [a, b] = [await run(tfjs), await run(ort)];
    expect(a.sequence_attributions).toHaveLength(2);
    for (let s = 0; s < a.sequence_attributions.length; s++) {
      const [x, y] = [a.sequence_attributions[s], b.sequence_attributions[s]];
      expect(y.target.map((token) => token.id)).toEqual(x.target.map((token) => token.id));
      expect(y.attr_pos_end - y.attr_pos_start).toBe(5);
      for (const id of STEP_SCORES) {
        expect(maxRelativeDiff(x.step_scores[id].data, y.step_scores[id].data), id).toBeLessThan(TOLERANCE);
      }
    }
  });

  it('force-decoded step scores agree within 1e-4', async () => {
    const run = (model: AttributionModel) =>
      attribute(model, 'the cat', { method: 'dummy', generatedTexts: 'the cat sat on the mat', stepScores: STEP_SCORES, stepScoresArgs });
    const [[x], [y]] = [(await run(tfjs)).sequence_attributions, (await run(ort)).sequence_attributions];
    for (const id of STEP_SCORES) {
      expect(y.step_scores[id].data.length, id).toBe(x.step_scores[id].data.length);
      expect(maxRelativeDiff(x.step_scores[id].data, y.step_scores[id].data), id).toBeLessThan(TOLERANCE);
    }
  });

  it('reagent with a fixed seed gives the same attributions within 1e-4', async () => {
    const run = (model: AttributionModel) =>
      attribute(model, 'the dog a cat', {
        method: 'reagent',
        generatedTexts: 'the dog a cat sat on',
        attributionArgs: { num_probes: 4, max_probe_steps: 20, seed: 7 },
      });
    const [[x], [y]] = [(await run(tfjs)).sequence_attributions, (await run(ort)).sequence_attributions];
    expect(x.target_attributions).not.toBeNull();
    expect(y.target_attributions!.shape).toEqual(x.target_attributions!.shape);
    const difference = maxDiffNanAware(x.target_attributions!.data, y.target_attributions!.data);
    expect(difference).toBeLessThan(TOLERANCE);
  });
  for (const [method, attributionArgs] of [
    ['occlusion', { abs: false }],
    ['occlusion', { baselines: 'pad', internal_batch_size: 3 }],
    ['lime', { n_samples: 30, seed: 11 }],
  ] as const) {
    it(`${method} ${JSON.stringify(attributionArgs)} gives the same attributions within 1e-4 (ort replaces ids, tfjs embeddings)`, async () => {
      const run = (model: AttributionModel) =>
        attribute(model, ['the dog a cat', 'a cat'], {
          method,
          generatedTexts: ['the dog a cat sat on', 'a cat sat'],
          // Logits, not probabilities: over the tiny vocabulary probabilities are ~1e-3, too close to the tolerance.
          attributedFn: 'logit',
          attributionArgs,
        });
      const [a, b] = [await run(tfjs), await run(ort)];
      expect(a.sequence_attributions).toHaveLength(2);
      for (let s = 0; s < a.sequence_attributions.length; s++) {
        const [x, y] = [a.sequence_attributions[s].target_attributions!, b.sequence_attributions[s].target_attributions!];
        expect(y.shape).toEqual(x.shape);
        expect(Array.from(x.data).some((v) => Math.abs(v) > 1e-2)).toBe(true);
        expect(maxDiffNanAware(x.data, y.data)).toBeLessThan(TOLERANCE);
      }
    });
  }
});
