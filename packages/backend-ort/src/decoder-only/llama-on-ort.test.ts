import { loadTfjsBackend } from '@inseq/backend-tfjs';
import {
  type AttributionMethod,
  type AttributionModel,
  type ModelBackend,
  attribute,
  createRegistry,
  intTensorFromRows,
  loadTokenizer,
  memoryModelFiles,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyLlama, type LlamaFamily, maxAbsDiff, tinyLlamaOnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const finite = (data: Float32Array) => Array.from(data).filter(Number.isFinite);

describe.each(['llama', 'mistral', 'qwen2', 'gemma'] as LlamaFamily[])('%s on ort equals tfjs on the same weights', (family) => {
  const options = { family, seed: 4 };
  let ort: AttributionModel;
  let tfjs: AttributionModel;
  beforeAll(async () => {
    const onnx = memoryModelFiles(tinyLlamaOnnxFiles({ ...options, withPast: true, outputAttentions: true }), `tiny-${family}-onnx`);
    const safetensors = memoryModelFiles(createTinyLlama(options).files, `tiny-${family}`);
    ort = { name: family, backend: await loadOrtBackend(onnx, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(onnx) };
    tfjs = { name: family, backend: await loadTfjsBackend(safetensors), tokenizer: await loadTokenizer(safetensors) };
  });
  afterAll(async () => {
    await ort?.backend.dispose();
    await tfjs?.backend.dispose();
  });

  it('logits of a left-padded batch within 1e-4; embeddings read from model.embed_tokens.weight', async () => {
    const input = {
      inputIds: intTensorFromRows([
        [1, 410, 274, 268, 266],
        [0, 0, 1, 377, 473],
      ]),
      attentionMask: intTensorFromRows([
        [1, 1, 1, 1, 1],
        [0, 0, 1, 1, 1],
      ]),
    };
    const [a, b] = [await ort.backend.forward(input), await tfjs.backend.forward(input)];
    expect(maxAbsDiff(a.logits.data, b.logits.data)).toBeLessThan(1e-4);
    expect(maxAbsDiff((await ort.backend.embed(input.inputIds)).data, (await tfjs.backend.embed(input.inputIds)).data)).toBe(0);
  });

  it('greedy generation with the KV cache (grouped heads) gives the tokens of tfjs', async () => {
    const generate = (model: AttributionModel) => attribute(model, ['The cat sat', 'A dog'], { method: 'dummy', methods, maxNewTokens: 6 });
    const [a, b] = [await generate(ort), await generate(tfjs)];
    expect(a.sequence_attributions.map((s) => s.target.map((t) => t.id))).toEqual(b.sequence_attributions.map((s) => s.target.map((t) => t.id)));
  });

  it.each([
    ['occlusion', {}],
    ['lime', { n_samples: 10, seed: 2 }],
    ['attention', {}],
  ] as const)('%s gives the numbers of tfjs (1e-4)', async (method, attributionArgs) => {
    const run = (model: AttributionModel) => attribute(model, 'The cat sat', { method, methods, generatedTexts: 'The cat sat on the mat', attributionArgs });
    const [a, b] = [await run(ort), await run(tfjs)];
    const [x, y] = [a.sequence_attributions[0].target_attributions!.data, b.sequence_attributions[0].target_attributions!.data];
    expect(finite(x).length).toBeGreaterThan(0);
    expect(maxAbsDiff(finite(x), finite(y))).toBeLessThan(1e-4);
  });
});

describe('ort refuses other model types, naming the supported ones', () => {
  it('falcon', async () => {
    const files = tinyLlamaOnnxFiles();
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    const falcon = { ...files, 'config.json': new TextEncoder().encode(JSON.stringify({ ...config, model_type: 'falcon' })) };
    await expect(loadOrtBackend(memoryModelFiles(falcon, 'falcon') as never)).rejects.toThrow(/model_type gpt2, llama, mistral, qwen2, gemma; got "falcon"/);
  });
});

// Silence an unused-type warning when the suite is filtered.
export type { ModelBackend };
