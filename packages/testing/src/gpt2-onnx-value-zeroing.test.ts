import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { encodeOnnxModel } from './encode-onnx-model';
import { gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';
import { maxAbsDiff } from './max-abs-diff';
import { referenceGpt2Forward } from './reference-gpt2-forward';

const { weights, config } = createTinyGpt2();
const nLayer = config.n_layer as number;
const hidden = config.n_embd as number;
const padId = (config.vocab_size as number) - 1;
const ids = [
  [464, 262, 286, 318, 13, 1000],
  [padId, padId, 40, 41, 42, 43],
];
const mask = [
  [1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1],
];
const [batch, seq] = [ids.length, ids[0].length];
const int64 = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);
const positions = mask.map((row) => {
  let seen = 0;
  return row.map((m) => {
    seen += m;
    return m === 0 ? 1 : seen - 1;
  });
});

/** A value_zeroing_mask of ones, with `zero[b]` (if ≥ 0) zeroed in `layer`. */
function valueMask(layer: number, zero: number[]): Tensor {
  const data = new Float32Array(batch * nLayer * seq).fill(1);
  zero.forEach((position, b) => {
    if (position >= 0) data[(b * nLayer + layer) * seq + position] = 0;
  });
  return new Tensor('float32', data, [batch, nLayer, seq]);
}

describe('gpt2OnnxModelSpec with valueZeroing', () => {
  let session: InferenceSession;
  beforeAll(async () => {
    session = await InferenceSession.create(encodeOnnxModel(gpt2OnnxModelSpec(weights, config, { valueZeroing: true })), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await session?.release();
  });

  it('declares value_zeroing_mask and hidden_states.{0..n_layer}', () => {
    expect(session.inputNames).toContain('value_zeroing_mask');
    expect(session.outputNames).toEqual(['logits', ...Array.from({ length: nLayer + 1 }, (_, i) => `hidden_states.${i}`)]);
  });

  it.each([
    ['no key zeroed', 0, [-1, -1]],
    ['key 2 / key 3 zeroed in layer 0', 0, [2, 3]],
    ['key 0 / key 5 zeroed in the last layer', nLayer - 1, [0, 5]],
  ])('equals the float64 reference with %s (hidden states and logits)', async (_, layer, zero) => {
    const output = await session.run({
      input_ids: int64(ids),
      attention_mask: int64(mask),
      position_ids: int64(positions),
      value_zeroing_mask: valueMask(layer as number, zero as number[]),
    });
    const zeroValues = (zero as number[]).some((p) => p >= 0) ? { layer: layer as number, positions: zero as number[] } : undefined;
    const reference = referenceGpt2Forward(weights, config, ids, mask, { outputHiddenStates: true, ...(zeroValues && { zeroValues }) });
    // Padded query positions are not compared (their outputs are arbitrary in both).
    const real = (data: ArrayLike<number>, width: number) =>
      mask.flatMap((row, b) => row.flatMap((m, t) => (m === 1 ? Array.from({ length: width }, (_, k) => data[(b * seq + t) * width + k]) : [])));
    for (let i = 0; i <= nLayer; i++) {
      expect(maxAbsDiff(real(output[`hidden_states.${i}`].data as Float32Array, hidden), real(reference.hiddenStates![i], hidden))).toBeLessThan(1e-4);
    }
    expect(maxAbsDiff(real(output.logits.data as Float32Array, padId + 1), real(reference.logits, padId + 1))).toBeLessThan(1e-4);
    if (zeroValues) {
      // Zeroing changed the layer's output: the mask is not ignored.
      const clean = referenceGpt2Forward(weights, config, ids, mask, { outputHiddenStates: true });
      const after = layer as number;
      expect(maxAbsDiff(real(clean.hiddenStates![after + 1], hidden), real(reference.hiddenStates![after + 1], hidden))).toBeGreaterThan(1e-3);
    }
  });
});
