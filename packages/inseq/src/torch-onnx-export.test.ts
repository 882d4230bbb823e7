import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, type FeatureAttributionOutput, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff, tinyGpt2TorchOnnxFiles } from '@inseq/testing';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { loadModel } from './load-model';

// A GPT-2 as plain torch.onnx.export writes it (model.onnx in the folder root, torch's initializer
// names, no position_ids input), against the tfjs backend on the same weights.
const tiny = createTinyGpt2();
let folder: string;
let ort: AttributionModel;
let ortNoCache: AttributionModel;
let tfjs: AttributionModel;

async function writeFolder(files: Record<string, Uint8Array>, name: string): Promise<string> {
  const path = join(folder, name);
  for (const [file, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(path, file)), { recursive: true });
    await writeFile(join(path, file), bytes);
  }
  return path;
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'inseq-torch-onnx-'));
  ort = await loadModel(await writeFolder(tinyGpt2TorchOnnxFiles({ withPast: true, outputAttentions: true }), 'with-past'), { backend: 'ort' });
  ortNoCache = await loadModel(await writeFolder(tinyGpt2TorchOnnxFiles({ outputAttentions: true, embeddingName: 'wte.weight' }), 'no-past'), { backend: 'ort' });
  const files = memoryModelFiles(tiny.files, 'tiny-gpt2');
  tfjs = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
});
afterAll(async () => {
  await Promise.all([ort, ortNoCache, tfjs].map((model) => model?.backend.dispose()));
  if (folder) await rm(folder, { recursive: true, force: true });
});

const prompt = 'The capital of France is';
const continuation = 'The capital of France is Paris.';

/** Every number of two outputs' sequences (attributions and step scores), NaN where both are NaN. */
function expectSameNumbers(actual: FeatureAttributionOutput, expected: FeatureAttributionOutput, tolerance = 1e-4) {
  expect(actual.sequence_attributions.length).toBe(expected.sequence_attributions.length);
  actual.sequence_attributions.forEach((sequence, i) => {
    const reference = expected.sequence_attributions[i];
    expect(sequence.target.map((t) => t.id)).toEqual(reference.target.map((t) => t.id));
    const pairs: [ArrayLike<number>, ArrayLike<number>][] = [];
    if (reference.target_attributions) pairs.push([sequence.target_attributions!.data, reference.target_attributions.data]);
    for (const [name, score] of Object.entries(reference.step_scores)) pairs.push([sequence.step_scores[name].data, score.data]);
    for (const [a, b] of pairs) {
      expect(a.length).toBe(b.length);
      const finite = (x: ArrayLike<number>) => Float64Array.from(Array.from(x, (v) => (Number.isNaN(v) ? 0 : v)));
      expect(Array.from(a, Number.isNaN)).toEqual(Array.from(b, Number.isNaN));
      expect(maxAbsDiff(finite(a), finite(b))).toBeLessThan(tolerance);
    }
  });
}

describe('a torch.onnx.export GPT-2 on ORT (loadModel, folder root model.onnx)', () => {
  it('is loaded by the ort backend with a KV cache and attention outputs', () => {
    expect(ort.backend.name).toBe('ort');
    expect(ort.backend.generate).toBeTypeOf('function');
    expect(ort.backend.capabilities.attentions).toBe(true);
    expect(ortNoCache.backend.generate).toBeUndefined();
  });

  it.each([
    ['dummy', { stepScores: ['probability', 'entropy'] }],
    ['attention', {}],
    ['attention_rollout', {}],
    ['occlusion', { stepScores: ['probability'] }],
  ] as const)('%s gives the numbers of the tfjs backend on the same weights', async (method, extra) => {
    const expected = await attribute(tfjs, [prompt, 'Hello'], { method, generatedTexts: [continuation, 'Hello world'], ...extra });
    for (const model of [ort, ortNoCache]) {
      expectSameNumbers(await attribute(model, [prompt, 'Hello'], { method, generatedTexts: [continuation, 'Hello world'], ...extra }), expected);
    }
  });

  it('free generation with the KV cache equals tfjs greedy decoding (no embeddings needed)', async () => {
    const expected = await attribute(tfjs, [prompt, 'Hello'], { method: 'dummy', maxNewTokens: 6, stepScores: ['probability'] });
    const actual = await attribute(ort, [prompt, 'Hello'], { method: 'dummy', maxNewTokens: 6, stepScores: ['probability'] });
    expect(actual.info.generated_texts).toEqual(expected.info.generated_texts);
    expectSameNumbers(actual, expected);
    const cached = await ort.backend.generate!([[464, 262, 286], [7]], { maxNewTokens: 5, stopIds: [], padId: 0 });
    const uncached = await ortNoCache.backend.generate?.([[464, 262, 286], [7]], { maxNewTokens: 5, stopIds: [], padId: 0 });
    expect(uncached).toBeUndefined();
    // Greedy by hand on the uncached export: argmax of forward over the growing prefix.
    for (const [row, start] of [[[464, 262, 286], 0], [[7], 1]] as const) {
      const ids: number[] = [...row];
      for (let step = 0; step < 5; step++) {
        const { logits } = await ortNoCache.backend.forward({
          inputIds: { data: Int32Array.from(ids), shape: [1, ids.length] },
          attentionMask: { data: new Int32Array(ids.length).fill(1), shape: [1, ids.length] },
        });
        ids.push(logits.data.indexOf(Math.max(...logits.data)));
      }
      expect(cached[start]).toEqual(ids);
    }
  });

  it('embed finds the table by structure (torch name, Gather behind a Cast of input_ids)', async () => {
    const wte = tiny.weights['transformer.wte.weight'].data;
    const hidden = tiny.config.n_embd as number;
    for (const model of [ort, ortNoCache]) {
      const out = await model.backend.embed({ data: Int32Array.from([5, 0, 1000]), shape: [1, 3] });
      const expected = Float64Array.from([5, 0, 1000].flatMap((id) => Array.from(wte.subarray(id * hidden, (id + 1) * hidden))));
      expect(maxAbsDiff(out.data, expected)).toBe(0);
    }
  });
});
