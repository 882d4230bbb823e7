import { InseqError, type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../../../init-tfjs';
import { loadTfjsBackend } from '../../../load-tfjs-backend';
import { gpt2LayerNames } from './gpt2-layer-names';

const tiny = createTinyGpt2({ seed: 5 });
const hidden = tiny.config.n_embd as number;
const ids = [
  [11, 250, 3, 999, 64],
  [0, 0, 40, 41, 42],
];
const mask = [
  [1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1],
];
const inputIds = intTensorFromRows(ids);
const attentionMask = intTensorFromRows(mask);

describe('GPT-2 layers: names, capture and override', () => {
  let backend: ModelBackend;
  beforeAll(async () => {
    await initTfjs();
    backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
  });
  afterAll(() => backend?.dispose());

  it('lists HF module names in named_modules() order', () => {
    expect(gpt2LayerNames(2)).toEqual([
      'transformer.wte',
      'transformer.h.0',
      'transformer.h.0.ln_1',
      'transformer.h.0.attn',
      'transformer.h.0.ln_2',
      'transformer.h.0.mlp',
      'transformer.h.1',
      'transformer.h.1.ln_1',
      'transformer.h.1.attn',
      'transformer.h.1.ln_2',
      'transformer.h.1.mlp',
      'transformer.ln_f',
    ]);
    expect(backend.layerNames!()).toEqual(gpt2LayerNames(tiny.config.n_layer as number));
  });

  it("captures 'transformer.wte' as the token embeddings: embed(), or inputsEmbeds when given", async () => {
    const embeds = await backend.embed(inputIds);
    const { layerActivation } = await backend.forward({ inputIds, attentionMask, layer: { name: 'transformer.wte' } });
    expect(layerActivation!.shape).toEqual([2, 5, hidden]);
    expect(maxAbsDiff(layerActivation!.data, embeds.data)).toBe(0);
    const shifted = { data: embeds.data.map((value, i) => value + Math.sin(i)), shape: embeds.shape };
    const given = await backend.forward({ inputIds, attentionMask, inputsEmbeds: shifted, layer: { name: 'transformer.wte' } });
    expect(maxAbsDiff(given.layerActivation!.data, shifted.data)).toBe(0);
  });

  it('captures block outputs as the hidden states (the last before ln_f) and ln_f as the last hidden state', async () => {
    const { hiddenStates } = await backend.forward({ inputIds, attentionMask, outputHiddenStates: true });
    const layers = tiny.config.n_layer as number;
    for (let i = 0; i < layers - 1; i++) {
      const { layerActivation } = await backend.forward({ inputIds, attentionMask, layer: { name: `transformer.h.${i}` } });
      expect(maxAbsDiff(layerActivation!.data, hiddenStates![i + 1].data)).toBe(0);
    }
    const final = await backend.forward({ inputIds, attentionMask, layer: { name: 'transformer.ln_f' } });
    expect(maxAbsDiff(final.layerActivation!.data, hiddenStates![layers].data)).toBe(0);
    // Asked together, the capture and the hidden state are the same values in separate arrays.
    const both = await backend.forward({ inputIds, attentionMask, outputHiddenStates: true, layer: { name: 'transformer.h.0' } });
    expect(maxAbsDiff(both.layerActivation!.data, both.hiddenStates![1].data)).toBe(0);
    expect(both.layerActivation!.data).not.toBe(both.hiddenStates![1].data);
    // The residual stream: block 0's output is its input plus the attention and MLP outputs.
    const part = async (name: string) => (await backend.forward({ inputIds, attentionMask, layer: { name } })).layerActivation!.data;
    const [attn, mlp] = [await part('transformer.h.0.attn'), await part('transformer.h.0.mlp')];
    const sum = hiddenStates![0].data.map((value, i) => value + attn[i] + mlp[i]);
    expect(maxAbsDiff(sum, hiddenStates![1].data)).toBeLessThan(1e-5);
  });

  it('leaves the logits unchanged when every layer is overridden with its own output, and follows a changed override', async () => {
    const plain = await backend.forward({ inputIds, attentionMask, logitsAt: 'all' });
    for (const name of backend.layerNames!()) {
      const { layerActivation } = await backend.forward({ inputIds, attentionMask, layer: { name } });
      const same = await backend.forward({ inputIds, attentionMask, logitsAt: 'all', layer: { name, override: layerActivation! } });
      expect(maxAbsDiff(same.logits.data, plain.logits.data)).toBeLessThan(1e-5);
      // The captured activation is the layer's own output, not the override.
      expect(maxAbsDiff(same.layerActivation!.data, layerActivation!.data)).toBe(0);
      const changed = { data: layerActivation!.data.map((value, i) => value + 0.5 * Math.cos(i)), shape: layerActivation!.shape };
      const moved = await backend.forward({ inputIds, attentionMask, logitsAt: 'all', layer: { name, override: changed } });
      expect(maxAbsDiff(moved.logits.data, plain.logits.data)).toBeGreaterThan(1e-2);
    }
  });

  it('rejects an unknown layer name listing the valid ones, and a misshapen override', async () => {
    const error = await backend.forward({ inputIds, attentionMask, layer: { name: 'transformer.h.9' } }).catch((caught: unknown) => caught);
    expect(InseqError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: 'InvalidInputError', code: 'INVALID_ARGUMENT' });
    expect((error as Error).message).toContain('transformer.h.9');
    expect((error as Error).message).toContain('transformer.wte, transformer.h.0, transformer.h.0.ln_1');
    await expect(
      backend.forward({ inputIds, attentionMask, layer: { name: 'transformer.h.0', override: { data: new Float32Array(5 * hidden), shape: [1, 5, hidden] } } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`[2, 5, ${hidden}]`) });
  });
});
