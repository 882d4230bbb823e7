import { type ModelBackend, intTensorFromRows, memoryModelFiles, probability } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff, referenceGpt2Forward } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../init-tfjs';
import { loadTfjsBackend } from '../load-tfjs-backend';

const tiny = createTinyGpt2({ seed: 21 });
const hidden = tiny.config.n_embd as number;
const vocab = tiny.config.vocab_size as number;
const ids = [
  [5, 300, 17, 900, 42, 8],
  [0, 0, 1, 2, 3, 4],
];
const mask = [
  [1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1],
];
const inputIds = intTensorFromRows(ids);
const attentionMask = intTensorFromRows(mask);

/** The tiny model with other dropout rates in config.json. */
function withRates(rates: Record<string, number>): Record<string, Uint8Array> {
  return { ...tiny.files, 'config.json': new TextEncoder().encode(JSON.stringify({ ...tiny.config, ...rates })) };
}

describe('GPT-2 dropout passes (dropoutSeed)', () => {
  let backend: ModelBackend;
  beforeAll(async () => {
    await initTfjs();
    backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
  });
  afterAll(() => backend?.dispose());

  it('repeats with the same seed, changes with another, and is off (the plain, reference-exact pass) without one', async () => {
    const forward = (dropoutSeed?: number) => backend.forward({ inputIds, attentionMask, logitsAt: 'all', dropoutSeed });
    const [a, again, other, plain] = [await forward(42), await forward(42), await forward(43), await forward()];
    expect(maxAbsDiff(a.logits.data, again.logits.data)).toBe(0);
    expect(maxAbsDiff(a.logits.data, other.logits.data)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(a.logits.data, plain.logits.data)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(plain.logits.data, (await forward()).logits.data)).toBe(0);
    expect(maxAbsDiff(plain.logits.data, referenceGpt2Forward(tiny.weights, tiny.config, ids, mask).logits)).toBeLessThan(1e-4);
    // Gradients take the same masks: a seeded gradient pass scores what the seeded forward does.
    const inputsEmbeds = await backend.embed(inputIds);
    const targetIds = Int32Array.of(3, 4);
    const seeded = await backend.gradients!({ inputIds, attentionMask, inputsEmbeds, targetIds, target: probability.differentiable!, dropoutSeed: 42 });
    const last = await backend.forward({ inputIds, attentionMask, dropoutSeed: 42 });
    targetIds.forEach((id, b) => {
      const row = last.logits.data.subarray(b * vocab, (b + 1) * vocab);
      const max = Math.max(...row);
      const total = row.reduce((sum, value) => sum + Math.exp(value - max), 0);
      expect(seeded.targetValues[b]).toBeCloseTo(Math.exp(row[id] - max) / total, 6);
    });
  });

  it('is the identity when config.json sets every rate to 0', async () => {
    const off = await loadTfjsBackend(memoryModelFiles(withRates({ embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0 }), 'no-dropout'));
    try {
      const seeded = await off.forward({ inputIds, attentionMask, logitsAt: 'all', dropoutSeed: 7 });
      const plain = await off.forward({ inputIds, attentionMask, logitsAt: 'all' });
      expect(maxAbsDiff(seeded.logits.data, plain.logits.data)).toBe(0);
    } finally {
      await off.dispose();
    }
  });

  it('drops embeddings after wte + wpe at embd_pdrop, scaling the kept ones by 1 / (1 − p), as torch', async () => {
    const rate = 0.4;
    const embeddingOnly = await loadTfjsBackend(memoryModelFiles(withRates({ embd_pdrop: rate, attn_pdrop: 0, resid_pdrop: 0 }), 'embd-dropout'));
    try {
      const plain = (await embeddingOnly.forward({ inputIds, attentionMask, outputHiddenStates: true })).hiddenStates![0].data;
      const dropped = (await embeddingOnly.forward({ inputIds, attentionMask, outputHiddenStates: true, dropoutSeed: 1 })).hiddenStates![0].data;
      let zeros = 0;
      for (let i = 0; i < plain.length; i++) {
        if (dropped[i] === 0) zeros++;
        else expect(dropped[i]).toBeCloseTo(plain[i] / (1 - rate), 5);
      }
      const fraction = zeros / plain.length;
      expect(plain.length).toBe(2 * 6 * hidden);
      // 384 draws: the fraction dropped is within 4 standard deviations (0.1) of the rate.
      expect(Math.abs(fraction - rate)).toBeLessThan(0.1);
    } finally {
      await embeddingOnly.dispose();
    }
  });

  it('drops attention weights at attn_pdrop and returns them as HF does (after dropout)', async () => {
    const attentionOnly = await loadTfjsBackend(memoryModelFiles(withRates({ embd_pdrop: 0, attn_pdrop: 0.5, resid_pdrop: 0 }), 'attn-dropout'));
    try {
      const plain = await attentionOnly.forward({ inputIds, attentionMask, outputAttentions: true, outputHiddenStates: true });
      const dropped = await attentionOnly.forward({ inputIds, attentionMask, outputAttentions: true, outputHiddenStates: true, dropoutSeed: 2 });
      // The embeddings are untouched; the first layer's weights are zeroed or doubled.
      expect(maxAbsDiff(plain.hiddenStates![0].data, dropped.hiddenStates![0].data)).toBe(0);
      const [before, after] = [plain.attentions![0].data, dropped.attentions![0].data];
      let zeroed = 0;
      for (let i = 0; i < before.length; i++) {
        if (before[i] === 0) continue;
        if (after[i] === 0) zeroed++;
        else expect(after[i]).toBeCloseTo(2 * before[i], 5);
      }
      expect(zeroed).toBeGreaterThan(0);
    } finally {
      await attentionOnly.dispose();
    }
  });

  it('refuses a seed that is not an integer', async () => {
    await expect(backend.forward({ inputIds, attentionMask, dropoutSeed: 0.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
