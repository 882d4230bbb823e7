import { type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff, referenceGpt2Forward } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../../../init-tfjs';
import { loadTfjsBackend } from '../../../load-tfjs-backend';

const tiny = createTinyGpt2({ seed: 13 });
const hidden = tiny.config.n_embd as number;
const layers = tiny.config.n_layer as number;
const ids = [
  [5, 300, 17, 900, 42, 8],
  [0, 0, 1, 2, 3, 4],
  [7, 8, 9, 10, 11, 12],
];
const mask = [
  [1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1],
];
const seq = 6;
const inputIds = intTensorFromRows(ids);
const attentionMask = intTensorFromRows(mask);

describe('GPT-2 value zeroing', () => {
  let backend: ModelBackend;
  beforeAll(async () => {
    await initTfjs();
    backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
  });
  afterAll(() => backend?.dispose());

  for (const layer of [0, layers - 1]) {
    it(`zeroes one value vector per row in layer ${layer} as the float64 reference does, rows with -1 untouched`, async () => {
      const positions = [2, 3, -1];
      const zeroValues = { layer, positions: Int32Array.from(positions) };
      const zeroed = await backend.forward({ inputIds, attentionMask, logitsAt: 'all', outputHiddenStates: true, zeroValues });
      const reference = referenceGpt2Forward(tiny.weights, tiny.config, ids, mask, { outputHiddenStates: true, zeroValues: { layer, positions } });
      expect(maxAbsDiff(zeroed.logits.data, reference.logits)).toBeLessThan(1e-4);
      zeroed.hiddenStates!.forEach((state, index) => {
        expect(maxAbsDiff(state.data, reference.hiddenStates![index])).toBeLessThan(1e-4);
      });
      const clean = await backend.forward({ inputIds, attentionMask, logitsAt: 'all', outputHiddenStates: true });
      const at = (states: Float32Array, b: number, t: number) => states.subarray((b * seq + t) * hidden, (b * seq + t + 1) * hidden);
      const [cleanOut, zeroedOut] = [clean.hiddenStates![layer + 1].data, zeroed.hiddenStates![layer + 1].data];
      positions.forEach((position, b) => {
        // Padding queries attend uniformly to every key (as HF); their outputs are never read.
        for (let t = mask[b].indexOf(1); t < seq; t++) {
          const change = maxAbsDiff(at(zeroedOut, b, t), at(cleanOut, b, t));
          // Causal: queries before the zeroed key (and rows left alone) do not move; later ones do.
          if (position < 0 || t < position) expect(change).toBeLessThan(1e-6);
          else expect(change).toBeGreaterThan(1e-3);
        }
      });
      // Earlier layers are untouched.
      expect(maxAbsDiff(zeroed.hiddenStates![layer].data, clean.hiddenStates![layer].data)).toBe(0);
    });
  }

  it('rejects a layer outside the model, a position count other than the batch and positions past the sequence', async () => {
    const forward = (layer: number, positions: number[]) =>
      backend.forward({ inputIds, attentionMask, zeroValues: { layer, positions: Int32Array.from(positions) } });
    await expect(forward(layers, [0, 0, 0])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`[0, ${layers})`) });
    await expect(forward(0, [0, 0])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('one position per row (3)') });
    await expect(forward(0, [0, seq, 0])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('positions[1]') });
  });
});
