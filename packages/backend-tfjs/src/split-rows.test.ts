import type { GradientInput, ModelConfig } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { concatRows, inRowChunks, rowsPerCall } from './split-rows';

const config = (vocabSize: number): ModelConfig => ({
  modelType: 'gpt2',
  vocabSize,
  hiddenSize: 4,
  numLayers: 1,
  numHeads: 1,
  maxPositions: 8,
  isEncoderDecoder: false,
  raw: {},
});

describe('row chunks under the activation budget', () => {
  it('sizes chunks from the model shape', () => {
    expect(rowsPerCall(config(10), 4)).toBeGreaterThan(1000);
    expect(rowsPerCall(config(20_000_000), 4)).toBe(1);
  });

  it('slices every per-row field alike and concatenates back', async () => {
    const rows = 5;
    const input: GradientInput = {
      inputIds: { data: Int32Array.from({ length: rows * 2 }, (_, i) => i), shape: [rows, 2] },
      attentionMask: { data: new Int32Array(rows * 2).fill(1), shape: [rows, 2] },
      inputsEmbeds: { data: Float32Array.from({ length: rows * 2 * 4 }, (_, i) => i), shape: [rows, 2, 4] },
      targetIds: Int32Array.from({ length: rows }, (_, i) => 100 + i),
      target: { name: 't', build: (_ops, logits) => logits },
      contrast: { ids: Int32Array.from({ length: rows }, (_, i) => 200 + i) },
      layer: { name: 'x', override: { data: Float32Array.from({ length: rows * 8 }, (_, i) => -i), shape: [rows, 2, 4] } },
      rescale: { referenceEmbeds: { data: Float32Array.from({ length: rows * 8 }, (_, i) => i / 2), shape: [rows, 2, 4] } },
      zeroValues: { layer: 0, positions: Int32Array.from({ length: rows }, (_, i) => i % 2) },
    };
    const seen: GradientInput[] = [];
    // A budget of one row per call.
    const parts = await inRowChunks(input, config(20_000_000), async (chunk) => {
      seen.push(chunk);
      return chunk.inputsEmbeds;
    });
    expect(seen.map((chunk) => chunk.inputIds.shape[0])).toEqual([1, 1, 1, 1, 1]);
    const third = seen[2];
    expect(Array.from(third.inputIds.data)).toEqual([4, 5]);
    expect(third.targetIds[0]).toBe(102);
    expect(third.contrast!.ids[0]).toBe(202);
    expect(third.layer!.override!.data[0]).toBe(-16);
    expect(third.rescale!.referenceEmbeds.data[0]).toBe(8);
    expect(third.zeroValues!.positions[0]).toBe(0);
    expect(concatRows(parts)).toEqual({ data: input.inputsEmbeds.data, shape: [rows, 2, 4] });
  });
});
