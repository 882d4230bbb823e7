import { initTfjs } from '@inseq/backend-tfjs';
import { intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { maxAbsDiff } from '@inseq/testing';
import { loadModel } from 'inseq';
import { beforeAll, describe, expect, test } from 'vitest';
import { DEMO_MODEL_RECIPE, type DemoModelRecipe, type TrainedDemoModel, trainDemoModel } from './train-demo-model';
import { learningRateAt, packBatch } from './train/train-gpt2';

// The demo recipe scaled down to seconds: same code path, same corpus.
const small: DemoModelRecipe = {
  ...DEMO_MODEL_RECIPE,
  hidden: 16,
  layers: 1,
  heads: 2,
  positions: 64,
  sequenceLength: 64,
  tokenizerSentences: 400,
  maxMerges: 80,
  steps: 120,
  batchSize: 8,
  warmupSteps: 5,
};

let first: TrainedDemoModel;

beforeAll(async () => {
  await initTfjs('wasm');
  first = await trainDemoModel(small);
});

describe('trainDemoModel', () => {
  test('repeats exactly with the same seed, and differs with another', async () => {
    const again = await trainDemoModel(small);
    expect(again.losses).toEqual(first.losses);
    for (const name of Object.keys(first.files)) expect(Buffer.from(again.files[name]).equals(Buffer.from(first.files[name])), name).toBe(true);
    const other = await trainDemoModel({ ...small, seed: small.seed + 1, steps: 3 });
    expect(other.losses.slice(0, 3)).not.toEqual(first.losses.slice(0, 3));
  });

  test('learns: the loss falls well below its start', () => {
    const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(first.losses[0]).toBeGreaterThan(Math.log(first.vocabSize) - 0.5);
    expect(mean(first.losses.slice(-10))).toBeLessThan(0.75 * mean(first.losses.slice(0, 5)));
  });

  test('its ONNX export computes the logits of its safetensors (ONNX Runtime against tfjs)', async () => {
    const { 'onnx/model.onnx': onnx, 'model.safetensors': safetensors, ...rest } = first.files;
    const tfjs = await loadModel(memoryModelFiles({ ...rest, 'model.safetensors': safetensors }, 'tfjs copy'), { backend: 'tfjs' });
    const ort = await loadModel(memoryModelFiles({ ...rest, 'onnx/model.onnx': onnx }, 'ort copy'), { backend: 'ort' });
    const ids = tfjs.tokenizer.encode('The capital of France is');
    expect(ort.tokenizer.encode('The capital of France is')).toEqual(ids);
    const input = { inputIds: intTensorFromRows([ids]), attentionMask: intTensorFromRows([ids.map(() => 1)]), logitsAt: 'all' as const };
    const [a, b] = await Promise.all([tfjs.backend.forward(input), ort.backend.forward(input)]);
    expect(maxAbsDiff(a.logits.data, b.logits.data)).toBeLessThan(1e-4);
    await ort.backend.dispose?.();
    await tfjs.backend.dispose?.();
  });

  test('writes the evaluation cases as JSON lines', () => {
    const lines = new TextDecoder().decode(first.files['evaluation.jsonl']).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(first.evaluationCases);
  });
});

describe('packBatch', () => {
  test('pads on the right and masks every label past the last real token', () => {
    const batch = packBatch([[5, 6, 9], [7, 9]], 4, 9);
    expect(Array.from(batch.ids)).toEqual([5, 6, 9, 9, 7, 9, 9, 9]);
    expect(Array.from(batch.labels)).toEqual([6, 9, 9, 9, 9, 9, 9, 9]);
    expect(Array.from(batch.mask)).toEqual([1, 1, 0, 0, 1, 0, 0, 0]);
    expect(() => packBatch([[1, 2, 3]], 2, 0)).toThrow(/3 tokens, more than the sequence length 2/);
  });
});

describe('learningRateAt', () => {
  test('warms up linearly, peaks, and decays by cosine to 10 % of the peak', () => {
    const recipe = { steps: 110, batchSize: 1, learningRate: 1, warmupSteps: 10, clipNorm: 1 };
    expect(learningRateAt(recipe, 0)).toBeCloseTo(0.1);
    expect(learningRateAt(recipe, 9)).toBeCloseTo(1);
    expect(learningRateAt(recipe, 10)).toBeCloseTo(1);
    expect(learningRateAt(recipe, 60)).toBeCloseTo(0.55);
    expect(learningRateAt(recipe, 110)).toBeCloseTo(0.1);
  });
});
