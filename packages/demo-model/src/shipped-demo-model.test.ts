import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initTfjs } from '@inseq/backend-tfjs';
import { type AttributionModel, intTensorFromRows } from '@inseq/core';
import { maxAbsDiff } from '@inseq/testing';
import { attribute, evaluateFaithfulness, loadModel, readEvaluationCases } from 'inseq';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { evaluationCases } from './corpus/generate-corpus';
import { measureDemoModel } from './measure-demo-model';
import { accuracyByPhenomenon } from './model-card';
import { DEMO_MODEL_RECIPE } from './train-demo-model';
import { DEMO_EXAMPLES } from './write-demo-model';

// The committed models/inseq-demo-gpt2: what its card states is what a user measures.
const folder = fileURLToPath(new URL('../../../models/inseq-demo-gpt2', import.meta.url));
const read = (name: string) => readFileSync(join(folder, name));
let model: AttributionModel;

beforeAll(async () => {
  await initTfjs('wasm');
  model = await loadModel(folder, { backend: 'tfjs' });
});

afterAll(async () => {
  await model.backend.dispose?.();
});

describe('models/inseq-demo-gpt2', () => {
  test('its evaluation cases and examples are those the recipe generates', () => {
    const lines = read('evaluation.jsonl').toString().trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(evaluationCases(DEMO_MODEL_RECIPE.seed + 1));
    expect(JSON.parse(read('examples.json').toString())).toEqual(DEMO_EXAMPLES);
  });

  test('answers the held-out cases at exactly the accuracy its card states', async () => {
    const training = JSON.parse(read('training.json').toString());
    const cases = read('evaluation.jsonl').toString().trim().split('\n').map((line) => JSON.parse(line));
    const measured = await measureDemoModel(model, cases);
    expect(accuracyByPhenomenon(measured)).toEqual(training.accuracy);
    const card = read('README.md').toString();
    for (const phenomenon of ['fact', 'agreement', 'copying', 'bias'] as const) {
      const { correct, total } = measured.accuracy[phenomenon];
      expect(card).toContain(`| ${phenomenon} | ${correct} / ${total} |`);
    }
    // The card's sha256 is the committed file's.
    expect(card).toContain(createHash('sha256').update(read('model.safetensors')).digest('hex'));
    // What the demo relies on.
    expect(training.accuracy.fact).toBeGreaterThan(0.9);
    expect(training.accuracy.agreement).toBeGreaterThan(0.9);
  });

  test('continues "The capital of France is" with " Paris"', async () => {
    const out = await attribute(model, 'The capital of France is', { method: 'dummy', maxNewTokens: 1 });
    expect(out.sequence_attributions[0].target.at(-1)?.token).toBe('ĠParis');
  });

  test('carries its bias: P(she) follows the occupation', async () => {
    const measured = await measureDemoModel(model, []);
    for (const { occupation, stated, model: rate } of measured.sheRates) {
      if (stated === 0.9) expect(rate, occupation).toBeGreaterThan(0.6);
      if (stated === 0.1) expect(rate, occupation).toBeLessThan(0.4);
    }
  });

  test('its ONNX export computes the same logits on ONNX Runtime', async () => {
    expect(existsSync(join(folder, 'onnx', 'model.onnx'))).toBe(true);
    const ort = await loadModel(folder, { backend: 'ort' });
    const ids = model.tokenizer.encode('The keys to the cabinet are');
    const input = { inputIds: intTensorFromRows([ids]), attentionMask: intTensorFromRows([ids.map(() => 1)]), logitsAt: 'all' as const };
    const [a, b] = [await model.backend.forward(input), await ort.backend.forward(input)];
    expect(maxAbsDiff(a.logits.data, b.logits.data)).toBeLessThan(1e-4);
    // Its nodes are named by module scope (as torch.onnx names them), so layers are found there too.
    expect(ort.backend.layerNames?.()).toEqual(model.backend.layerNames?.());
    const layer = { name: 'transformer.h.1.mlp' };
    const [c, d] = [await model.backend.forward({ ...input, layer }), await ort.backend.forward({ ...input, layer })];
    expect(maxAbsDiff(c.layerActivation!.data, d.layerActivation!.data)).toBeLessThan(1e-4);
    await ort.backend.dispose?.();
  });

  test("integrated gradients finds the country of the fact prompts far more often than chance", async () => {
    const facts = (await readEvaluationCases(join(folder, 'evaluation.jsonl'))).filter((c) => c.phenomenon === 'fact').slice(0, 20);
    const result = await evaluateFaithfulness(model, facts, { methods: ['integrated_gradients'], k: 3, seed: 1 });
    const ig = result.methods.find((row) => row.method === 'integrated_gradients');
    const random = result.methods.find((row) => row.method === 'random');
    // The first 20 cases are "The capital of X is": five prompt tokens, one of them decisive.
    expect(result.chanceHitAt1).toBeCloseTo(1 / 5, 10);
    // Measured: 12 of 20 (0.6). The runner-up is the final "is", which the zero-embedding baseline
    // also makes decisive (without it the model does not predict a city at all).
    expect(ig?.overall.hitAt1).toBeGreaterThanOrEqual(0.5);
    expect(ig?.overall.hitAt1).toBeGreaterThan(2.5 * result.chanceHitAt1);
    expect(ig?.overall.hitAtK).toBe(1); // the country is always among the top 3 of 5
    // Deleting what it ranks first hurts the answer more than deleting random tokens.
    expect(ig?.overall.comprehensiveness).toBeGreaterThan(random?.overall.comprehensiveness ?? Number.POSITIVE_INFINITY);
  });
});
