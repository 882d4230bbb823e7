import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, referenceGpt2Forward, tinyGpt2MergedOnnxFiles, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnxModel } from './autodiff/decode-onnx-model';
import { encodeOnnxModel } from './autodiff/encode-onnx-model';
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

  it.each([
    ['saliency', {}],
    ['input_x_gradient', {}],
    ['integrated_gradients', { n_steps: 8, return_convergence_delta: true }],
    ['gradient_shap', { n_samples: 3 }],
    ['sequential_integrated_gradients', { n_steps: 3 }],
    ['discretized_integrated_gradients', { n_steps: 4, n_neighbors: 5 }],
  ] as const)('%s runs on ort (gradients of the ONNX graph) and equals tfjs on the same weights', async (method, attributionArgs) => {
    const tfjs: AttributionModel = {
      name: 'tiny-gpt2',
      backend: await loadTfjsBackend(memoryModelFiles(createTinyGpt2().files, 'tiny-gpt2')),
      tokenizer: model.tokenizer,
    };
    const options = { method, methods, generatedTexts: ['the cat sat on', 'a dog'], attributionArgs, stepScores: ['probability'] };
    const [onOrt, onTfjs] = [await attribute(model, ['the cat', 'a'], options), await attribute(tfjs, ['the cat', 'a'], options)];
    await tfjs.backend.dispose();
    for (const [i, sequence] of onOrt.sequence_attributions.entries()) {
      const expected = onTfjs.sequence_attributions[i].target_attributions!.data;
      const got = sequence.target_attributions!.data;
      const scale = Math.max(...Array.from(expected).filter(Number.isFinite).map(Math.abs));
      let worst = 0;
      for (let k = 0; k < got.length; k++) if (Number.isFinite(expected[k])) worst = Math.max(worst, Math.abs(got[k] - expected[k]));
      expect(scale).toBeGreaterThan(0);
      expect(worst / scale).toBeLessThan(1e-4);
      for (const [id, score] of Object.entries(sequence.step_scores)) {
        const reference = onTfjs.sequence_attributions[i].step_scores[id].data;
        score.data.forEach((v, k) => {
          expect(v).toBeCloseTo(reference[k], 4);
        });
      }
    }
  });

  it('layer DeepLIFT fails before any work (no rescale rule on ort), naming ort and the methods that would run', async () => {
    const run = attribute(model, 'the cat', { method: 'layer_deeplift', methods, generatedTexts: 'the cat sat' });
    await expect(run).rejects.toMatchObject({ name: 'MissingCapabilityError', code: 'MISSING_CAPABILITY' });
    const message = await run.catch((error: Error) => error.message);
    expect(message).toMatch(/layer_deeplift needs rescaleGradients; backend 'ort' offers: forward, gradients, .*layerActivations/);
    expect(message).toMatch(/or one of: .*layer_integrated_gradients/);
  });

  it('occlusion runs on ort with the UNK baseline and, from embeddings, with a zeros baseline', async () => {
    const out = await attribute(model, 'the cat', { method: 'occlusion', methods, generatedTexts: 'the cat sat' });
    const attributions = out.sequence_attributions[0].target_attributions!;
    expect(Array.from(attributions.data).some((v) => Number.isFinite(v) && v > 0)).toBe(true);
    const zeros = await attribute(model, 'the cat', { method: 'occlusion', methods, generatedTexts: 'the cat sat', attributionArgs: { baselines: 'zeros' } });
    const tfjs: AttributionModel = { name: 'tiny-gpt2', backend: await loadTfjsBackend(memoryModelFiles(createTinyGpt2().files, 'tiny-gpt2')), tokenizer: model.tokenizer };
    const expected = await attribute(tfjs, 'the cat', { method: 'occlusion', methods, generatedTexts: 'the cat sat', attributionArgs: { baselines: 'zeros' } });
    await tfjs.backend.dispose();
    const want = expected.sequence_attributions[0].target_attributions!.data;
    zeros.sequence_attributions[0].target_attributions!.data.forEach((v, i) => {
      if (Number.isFinite(want[i])) expect(v).toBeCloseTo(want[i], 4);
      else expect(v).toBeNaN();
    });
  });
});

describe('an export with an op that has no gradient rule', () => {
  it('loads without gradients, and a gradient method names the op and the node before any work', async () => {
    const files = tinyGpt2OnnxFiles();
    const model = decodeOnnxModel(files['onnx/model.onnx']);
    // Route the logits through a Max, which has no gradient rule.
    const producer = model.graph.nodes.find((node) => node.outputs.includes('logits'))!;
    const nodes = model.graph.nodes.map((node) => (node === producer ? { ...node, outputs: node.outputs.map((o) => (o === 'logits' ? 'logits_before_max' : o)) } : node));
    nodes.push({ opType: 'Max', name: 'no_rule_max', inputs: ['logits_before_max', 'logits_before_max'], outputs: ['logits'], attributes: {} });
    const edited = { ...files, 'onnx/model.onnx': encodeOnnxModel({ ...model, graph: { ...model.graph, nodes } }) };
    const memory = memoryModelFiles(edited, 'tiny-gpt2-max');
    const backend = await loadOrtBackend(memory, { intraOpNumThreads: 1 });
    expect(backend.capabilities.gradients).toBe(false);
    const run = attribute({ name: 'tiny-gpt2-max', backend, tokenizer: await loadTokenizer(memory) }, 'the cat', { method: 'saliency', methods, generatedTexts: 'the cat sat' });
    await expect(run).rejects.toMatchObject({ name: 'MissingCapabilityError' });
    await expect(run).rejects.toThrow(/No gradients on this model: .*Max.*no_rule_max/);
    await backend.dispose();
  });
});

describe('gradients of a merged decoder (Optimum If on use_cache_branch)', () => {
  it('specialises the If to its no-cache branch; saliency and integrated gradients equal the plain export', async () => {
    const merged = memoryModelFiles(tinyGpt2MergedOnnxFiles(), 'tiny-gpt2-merged');
    const plain = memoryModelFiles(tinyGpt2OnnxFiles(), 'tiny-gpt2-onnx');
    const tokenizer = await loadTokenizer(plain);
    const [a, b] = [await loadOrtBackend(merged, { intraOpNumThreads: 1 }), await loadOrtBackend(plain, { intraOpNumThreads: 1 })];
    expect(a.capabilities.gradients).toBe(true);
    for (const [method, attributionArgs] of [['saliency', {}], ['integrated_gradients', { n_steps: 6 }]] as const) {
      const options = { method, methods, generatedTexts: ['the cat sat on', 'a dog'], attributionArgs };
      const [fromMerged, fromPlain] = [
        await attribute({ name: 'merged', backend: a, tokenizer }, ['the cat', 'a'], options),
        await attribute({ name: 'plain', backend: b, tokenizer }, ['the cat', 'a'], options),
      ];
      fromMerged.sequence_attributions.forEach((sequence, i) => {
        const want = fromPlain.sequence_attributions[i].target_attributions!.data;
        sequence.target_attributions!.data.forEach((v, k) => {
          if (Number.isFinite(want[k])) expect(v).toBeCloseTo(want[k], 5);
          else expect(v).toBeNaN();
        });
      });
    }
    await Promise.all([a.dispose(), b.dispose()]);
  });
});

describe('gradients of an export with external data (model.onnx_data)', () => {
  it('hands the data files to the gradient sessions; saliency equals the single-file export', async () => {
    const external = memoryModelFiles(tinyGpt2OnnxFiles({ externalData: true }), 'tiny-gpt2-external');
    const plain = memoryModelFiles(tinyGpt2OnnxFiles(), 'tiny-gpt2-onnx');
    const tokenizer = await loadTokenizer(plain);
    const [a, b] = [await loadOrtBackend(external, { intraOpNumThreads: 1 }), await loadOrtBackend(plain, { intraOpNumThreads: 1 })];
    expect(a.capabilities.gradients).toBe(true);
    const options = { method: 'saliency', methods, generatedTexts: 'the cat sat on' };
    const [x, y] = [await attribute({ name: 'external', backend: a, tokenizer }, 'the cat', options), await attribute({ name: 'plain', backend: b, tokenizer }, 'the cat', options)];
    const want = y.sequence_attributions[0].target_attributions!.data;
    x.sequence_attributions[0].target_attributions!.data.forEach((v, k) => {
      if (Number.isFinite(want[k])) expect(v).toBeCloseTo(want[k], 5);
      else expect(v).toBeNaN();
    });
    await Promise.all([a.dispose(), b.dispose()]);
  });
});
