import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type GradientInput, InseqError, type ModelBackend, type ModelFiles, intTensorFromRows, memoryModelFiles, probability, type Tensor } from '@inseq/core';
import {
  createTinyGpt2,
  createTinyLlama,
  maxAbsDiff,
  tinyGpt2MergedOnnxFiles,
  tinyGpt2OnnxFiles,
  tinyGpt2TorchOnnxFiles,
  tinyLlamaOnnxFiles,
} from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnxModel } from '../autodiff/decode-onnx-model';
import { encodeOnnxModel } from '../autodiff/encode-onnx-model';
import { hfLayerNames } from '../hf-layer-names';
import { loadOrtBackend } from '../load-ort-backend';

const ids = [
  [11, 250, 3, 99, 64],
  [0, 0, 40, 41, 42],
];
const mask = [
  [1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1],
];
const inputIds = intTensorFromRows(ids);
const attentionMask = intTensorFromRows(mask);

/** max |a − b| over the largest |b|: the tolerance the ORT/tfjs comparisons use. */
const relative = (a: Float32Array, b: Float32Array) => maxAbsDiff(a, b) / Math.max(...Array.from(b, Math.abs));
const wiggle = (tensor: Tensor, amount: number): Tensor => ({ data: tensor.data.map((v, i) => v + amount * Math.cos(i)), shape: tensor.shape });

const gpt2 = createTinyGpt2();
const llama = createTinyLlama({ family: 'llama', seed: 4 });
const gemma = createTinyLlama({ family: 'gemma', seed: 4 });
const qwen2 = createTinyLlama({ family: 'qwen2', seed: 4 });
const cases: [string, () => Record<string, Uint8Array>, ModelFiles, string[]][] = [
  ['gpt2 (plain)', () => tinyGpt2OnnxFiles(), memoryModelFiles(gpt2.files, 'tiny-gpt2'), ['transformer.wte', 'transformer.h.1', 'transformer.h.0.mlp', 'transformer.h.1.attn', 'transformer.h.0.ln_2', 'transformer.ln_f']],
  ['gpt2 (KV cache)', () => tinyGpt2OnnxFiles({ withPast: true }), memoryModelFiles(gpt2.files, 'tiny-gpt2'), ['transformer.wte', 'transformer.h.1', 'transformer.h.1.mlp']],
  ['gpt2 (merged decoder)', () => tinyGpt2MergedOnnxFiles(), memoryModelFiles(gpt2.files, 'tiny-gpt2'), ['transformer.wte', 'transformer.h.1', 'transformer.h.0.mlp']],
  ['gpt2 (torch.onnx.export)', () => tinyGpt2TorchOnnxFiles({ withPast: true }), memoryModelFiles(gpt2.files, 'tiny-gpt2'), ['transformer.wte', 'transformer.h.0', 'transformer.h.1.mlp']],
  ['llama (plain)', () => tinyLlamaOnnxFiles({ family: 'llama', seed: 4 }), memoryModelFiles(llama.files, 'tiny-llama'), ['model.embed_tokens', 'model.layers.1', 'model.layers.0.mlp', 'model.layers.1.self_attn', 'model.layers.0.post_attention_layernorm', 'model.norm']],
  ['llama (KV cache)', () => tinyLlamaOnnxFiles({ family: 'llama', seed: 4, withPast: true }), memoryModelFiles(llama.files, 'tiny-llama'), ['model.embed_tokens', 'model.layers.0', 'model.layers.1.mlp']],
  // Gemma scales the looked-up embeddings by √hidden after model.embed_tokens; qwen2's projections have biases.
  ['gemma (plain)', () => tinyLlamaOnnxFiles({ family: 'gemma', seed: 4 }), memoryModelFiles(gemma.files, 'tiny-gemma'), ['model.embed_tokens', 'model.layers.0', 'model.layers.1.input_layernorm']],
  ['qwen2 (plain)', () => tinyLlamaOnnxFiles({ family: 'qwen2', seed: 4 }), memoryModelFiles(qwen2.files, 'tiny-qwen2'), ['model.embed_tokens', 'model.layers.1.self_attn', 'model.norm']],
];

describe.each(cases)('layers of %s on ort equal tfjs on the same weights', (_, onnxFiles, tfjsFiles, layers) => {
  let ort: ModelBackend;
  let tfjs: ModelBackend;
  beforeAll(async () => {
    ort = await loadOrtBackend(memoryModelFiles(onnxFiles(), 'tiny-onnx'), { intraOpNumThreads: 1 });
    tfjs = await loadTfjsBackend(tfjsFiles);
  });
  afterAll(async () => {
    await ort?.dispose();
    await tfjs?.dispose();
  });

  it('offers layerActivations and lists every HF module name of the family, as tfjs does', () => {
    expect(ort.capabilities.layerActivations).toBe(true);
    expect(ort.capabilityNotes?.layerActivations).toBeUndefined();
    expect(ort.layerNames!()).toEqual(tfjs.layerNames!());
  });

  it('captures and replaces each layer as tfjs does (same activation, same logits)', async () => {
    const inputsEmbeds = await ort.embed(inputIds);
    for (const name of layers) {
      const mine = await ort.forward({ inputIds, attentionMask, inputsEmbeds, layer: { name }, logitsAt: 'all' });
      const theirs = await tfjs.forward({ inputIds, attentionMask, inputsEmbeds, layer: { name }, logitsAt: 'all' });
      expect(mine.layerActivation!.shape).toEqual(theirs.layerActivation!.shape);
      expect(relative(mine.layerActivation!.data, theirs.layerActivation!.data), name).toBeLessThan(1e-5);
      expect(relative(mine.logits.data, theirs.logits.data), name).toBeLessThan(1e-5);
      const override = wiggle(theirs.layerActivation!, 0.5);
      const [replaced, expected] = [
        await ort.forward({ inputIds, attentionMask, inputsEmbeds, layer: { name, override } }),
        await tfjs.forward({ inputIds, attentionMask, inputsEmbeds, layer: { name, override } }),
      ];
      // The logits follow the override; the activation returned is still the layer's own output.
      expect(maxAbsDiff(replaced.logits.data, mine.logits.data.subarray(0, replaced.logits.data.length))).toBeGreaterThan(1e-3);
      expect(relative(replaced.logits.data, expected.logits.data), name).toBeLessThan(1e-5);
      expect(relative(replaced.layerActivation!.data, theirs.layerActivation!.data), name).toBeLessThan(1e-5);
    }
    // Without inputsEmbeds the token embeddings are looked up from the table.
    const fromIds = await ort.forward({ inputIds, attentionMask, layer: { name: layers[1] } });
    const fromEmbeds = await ort.forward({ inputIds, attentionMask, inputsEmbeds, layer: { name: layers[1] } });
    expect(maxAbsDiff(fromIds.layerActivation!.data, fromEmbeds.layerActivation!.data)).toBe(0);
  });

  it('differentiates at each layer, at its own output and at a replacement, as tfjs does', async () => {
    const inputsEmbeds = await ort.embed(inputIds);
    const base: GradientInput = { inputIds, attentionMask, inputsEmbeds, targetIds: Int32Array.of(7, 300), target: probability.differentiable! };
    for (const name of layers) {
      const [mine, theirs] = [await ort.gradients!({ ...base, layer: { name } }), await tfjs.gradients!({ ...base, layer: { name } })];
      expect(relative(mine.gradients.data, theirs.gradients.data), name).toBeLessThan(1e-4);
      expect(relative(mine.targetValues, theirs.targetValues), name).toBeLessThan(1e-5);
      expect(relative(mine.layerActivation!.data, theirs.layerActivation!.data), name).toBeLessThan(1e-5);
      const override = wiggle(theirs.layerActivation!, 0.3);
      const [atOverride, expected] = [await ort.gradients!({ ...base, layer: { name, override } }), await tfjs.gradients!({ ...base, layer: { name, override } })];
      expect(maxAbsDiff(atOverride.gradients.data, mine.gradients.data)).toBeGreaterThan(0);
      expect(relative(atOverride.gradients.data, expected.gradients.data), name).toBeLessThan(1e-4);
      expect(relative(atOverride.targetValues, expected.targetValues), name).toBeLessThan(1e-5);
    }
  });
});

describe('layer errors and exports without module scopes', () => {
  it('rejects an unknown layer listing the valid ones, and a misshapen override', async () => {
    const ort = await loadOrtBackend(memoryModelFiles(tinyGpt2OnnxFiles(), 'tiny-gpt2-onnx'), { intraOpNumThreads: 1 });
    try {
      const error = await ort.forward({ inputIds, attentionMask, layer: { name: 'transformer.h.9' } }).catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ name: 'InvalidInputError', code: 'INVALID_ARGUMENT' });
      expect((error as Error).message).toContain('"transformer.h.9" is not a layer of this gpt2 model');
      expect((error as Error).message).toContain('transformer.wte, transformer.h.0, transformer.h.0.ln_1');
      const inputsEmbeds = await ort.embed(inputIds);
      const hidden = inputsEmbeds.shape[2];
      await expect(
        ort.gradients!({
          inputIds,
          attentionMask,
          inputsEmbeds,
          targetIds: Int32Array.of(1, 2),
          target: probability.differentiable!,
          layer: { name: 'transformer.h.0', override: { data: new Float32Array(5 * hidden), shape: [1, 5, hidden] } },
        }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`[2, 5, ${hidden}]`) });
    } finally {
      await ort.dispose();
    }
  });

  it('an export whose node names carry no module scopes loads without layerActivations, saying why', async () => {
    const files = tinyGpt2OnnxFiles();
    const model = decodeOnnxModel(files['onnx/model.onnx']);
    const nodes = model.graph.nodes.map((node, i) => ({ ...node, name: `node_${i}` }));
    const ort = await loadOrtBackend(
      memoryModelFiles({ ...files, 'onnx/model.onnx': encodeOnnxModel({ ...model, graph: { ...model.graph, nodes } }) }, 'unscoped'),
      { intraOpNumThreads: 1 },
    );
    try {
      expect(ort.capabilities.gradients).toBe(true);
      expect(ort.capabilities.layerActivations).toBe(false);
      expect(ort.layerNames).toBeUndefined();
      expect(ort.capabilityNotes?.layerActivations).toMatch(/transformer\.h\.0: no node is named under \/transformer\/h\.0\//);
      await expect(ort.forward({ inputIds, attentionMask, layer: { name: 'transformer.h.0' } })).rejects.toMatchObject({ name: 'MissingCapabilityError' });
    } finally {
      await ort.dispose();
    }
  });

  it('names the layers hfLayerNames lists for each family', () => {
    expect(hfLayerNames.gpt2(1)).toEqual(['transformer.wte', 'transformer.h.0', 'transformer.h.0.ln_1', 'transformer.h.0.attn', 'transformer.h.0.ln_2', 'transformer.h.0.mlp', 'transformer.ln_f']);
    expect(hfLayerNames.llama(1)).toEqual([
      'model.embed_tokens',
      'model.layers.0',
      'model.layers.0.self_attn',
      'model.layers.0.mlp',
      'model.layers.0.input_layernorm',
      'model.layers.0.post_attention_layernorm',
      'model.norm',
    ]);
  });
});
