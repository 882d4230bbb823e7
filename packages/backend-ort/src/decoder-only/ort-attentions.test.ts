import { type AttributionMethod, type AttributionModel, attribute, createRegistry, intTensorFromRows, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, maxAbsDiff, referenceGpt2Forward, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const tiny = createTinyGpt2();
const vocab = tiny.config.vocab_size as number;
const nLayer = tiny.config.n_layer as number;
const nHead = tiny.config.n_head as number;

describe('ort backend with attentions.{i} outputs', () => {
  let ort: AttributionModel;
  let tfjs: AttributionModel;
  beforeAll(async () => {
    const files = memoryModelFiles(tinyGpt2OnnxFiles({ withPast: true, outputAttentions: true }), 'tiny-gpt2-onnx-attentions');
    ort = { name: 'tiny-gpt2-onnx-attentions', backend: await loadOrtBackend(files, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(files) };
    const tfjsFiles = memoryModelFiles(tiny.files, 'tiny-gpt2');
    tfjs = { name: 'tiny-gpt2', backend: await loadTfjsBackend(tfjsFiles), tokenizer: await loadTokenizer(tfjsFiles) };
  });
  afterAll(async () => {
    await Promise.all([ort?.backend.dispose(), tfjs?.backend.dispose()]);
  });

  it('declares attentions and still refuses other internals', async () => {
    expect(ort.backend.capabilities).toEqual({ forward: true, gradients: true, embeddingInputs: true, attentions: true, layerActivations: true, hiddenStates: false });
    const input = { inputIds: intTensorFromRows([[1, 2]]), attentionMask: intTensorFromRows([[1, 1]]) };
    await expect(ort.backend.forward({ ...input, outputHiddenStates: true })).rejects.toThrow(/offers: forward, gradients, attentions, layerActivations, embeddingInputs/);
    expect((await ort.backend.forward(input)).attentions).toBeUndefined();
  });

  it('returns the reference attention weights of a left-padded batch', async () => {
    const pad = vocab - 1;
    const ids = [
      [464, 262, 286, 318, 13, 100],
      [pad, pad, 40, 41, 42, 43],
    ];
    const mask = ids.map((row, b) => row.map((_, s) => (b === 1 && s < 2 ? 0 : 1)));
    const out = await ort.backend.forward({ inputIds: intTensorFromRows(ids), attentionMask: intTensorFromRows(mask), outputAttentions: true });
    const reference = referenceGpt2Forward(tiny.weights, tiny.config, ids, mask, { outputAttentions: true });
    expect(out.attentions).toHaveLength(nLayer);
    for (let layer = 0; layer < nLayer; layer++) {
      expect(out.attentions?.[layer].shape).toEqual([2, nHead, 6, 6]);
      expect(maxAbsDiff(out.attentions?.[layer].data ?? [], reference.attentions?.[layer] ?? [])).toBeLessThan(1e-4);
    }
  });

  it('runs the attention method end to end with the numbers of the tfjs backend', async () => {
    const options = { method: 'attention', methods, generatedTexts: ['the cat sat on the mat', 'a dog ran'] };
    const [onOrt, onTfjs] = await Promise.all([attribute(ort, ['the cat', 'a dog'], options), attribute(tfjs, ['the cat', 'a dog'], options)]);
    expect(onOrt.sequence_attributions).toHaveLength(2);
    onOrt.sequence_attributions.forEach((sequence, i) => {
      const other = onTfjs.sequence_attributions[i];
      expect(sequence.target.map((token) => token.id)).toEqual(other.target.map((token) => token.id));
      const mine = sequence.target_attributions;
      const theirs = other.target_attributions;
      expect(mine?.shape).toEqual(theirs?.shape);
      // NaN marks positions not yet generated at a step; they must coincide, the rest must agree.
      const known = (data: ArrayLike<number>) => Array.from(data).filter((v) => !Number.isNaN(v));
      expect(Array.from(mine?.data ?? [], Number.isNaN)).toEqual(Array.from(theirs?.data ?? [], Number.isNaN));
      expect(known(mine?.data ?? []).some((v) => v > 0.01)).toBe(true);
      expect(maxAbsDiff(known(mine?.data ?? []), known(theirs?.data ?? []))).toBeLessThan(1e-4);
    });
  });
});
