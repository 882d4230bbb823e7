import { type AttributionMethod, type AttributionModel, attribute, createRegistry, intTensorFromRows, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyMarian, maxAbsDiff, referenceEncoderDecoderForward, tinyMarianOnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const tiny = createTinyMarian();
const vocab = tiny.config.vocab_size as number;
const pad = tiny.config.pad_token_id as number;
const inputTexts = ['the cat sat on the mat', 'a dog'];

function softmax(row: Float64Array): Float64Array {
  const max = Math.max(...row);
  const exp = row.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / sum);
}

describe('the ort Marian against tfjs on the same weights, and through attribute', () => {
  let ort: AttributionModel;
  let tfjs: AttributionModel;
  beforeAll(async () => {
    const onnx = memoryModelFiles(tinyMarianOnnxFiles({ withPast: true, outputAttentions: true }), 'tiny-marian-onnx');
    ort = { name: 'tiny-marian-onnx', backend: await loadOrtBackend(onnx, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(onnx) };
    const safetensors = memoryModelFiles(tiny.files, 'tiny-marian');
    tfjs = { name: 'tiny-marian', backend: await loadTfjsBackend(safetensors), tokenizer: await loadTokenizer(safetensors) };
  });
  afterAll(async () => {
    await ort?.backend.dispose();
    await tfjs?.backend.dispose();
  });

  it('forward equals tfjs within 1e-4 (right-padded sources, left-padded prefixes of different lengths)', async () => {
    const input = {
      inputIds: intTensorFromRows([
        [pad, 17, 230, 9],
        [pad, pad, pad, pad],
        [pad, pad, 402, 3],
      ]),
      attentionMask: intTensorFromRows([
        [1, 1, 1, 1],
        [0, 0, 0, 1],
        [0, 0, 1, 1],
      ]),
      encoder: {
        inputIds: intTensorFromRows([
          [12, 7, 301, 45, 0],
          [88, 5, 0, pad, pad],
          [640, 0, pad, pad, pad],
        ]),
        attentionMask: intTensorFromRows([
          [1, 1, 1, 1, 1],
          [1, 1, 1, 0, 0],
          [1, 1, 0, 0, 0],
        ]),
      },
    };
    const [a, b] = await Promise.all([ort.backend.forward(input), tfjs.backend.forward(input)]);
    expect(a.logits.shape).toEqual(b.logits.shape);
    expect(maxAbsDiff(a.logits.data, b.logits.data)).toBeLessThan(1e-4);
  });

  it('dummy: greedy generation and probability step scores equal tfjs and the float64 reference', async () => {
    const options = { method: 'dummy', methods, maxNewTokens: 6, stepScores: ['probability'] } as const;
    const [a, b] = await Promise.all([attribute(ort, inputTexts, options), attribute(tfjs, inputTexts, options)]);
    for (const [row, sequence] of a.sequence_attributions.entries()) {
      const other = b.sequence_attributions[row];
      expect(sequence.target.map((token) => token.id)).toEqual(other.target.map((token) => token.id));
      expect(sequence.source.map((token) => token.id)).toEqual(other.source.map((token) => token.id));
      expect(sequence.target[0].id).toBe(pad);
      const source = sequence.source.map((token) => token.id);
      const target = sequence.target.map((token) => token.id);
      const reference = referenceEncoderDecoderForward(tiny.weights, tiny.config, [source], [source.map(() => 1)], [target], [target.map(() => 1)]).logits;
      const steps = sequence.attr_pos_end - sequence.attr_pos_start;
      for (let s = 0; s < steps; s++) {
        const position = sequence.attr_pos_start + s;
        const p = softmax(reference.subarray((position - 1) * vocab, position * vocab));
        expect(sequence.step_scores.probability.data[s]).toBeCloseTo(p[target[position]], 4);
        expect(sequence.step_scores.probability.data[s]).toBeCloseTo(other.step_scores.probability.data[s], 4);
      }
    }
  });

  it('occlusion (UNK baseline) and attention attribute the source as tfjs does', async () => {
    for (const [method, attributionArgs] of [
      ['occlusion', { baselines: 'unk' }],
      ['attention', {}],
    ] as const) {
      const options = { method, methods, maxNewTokens: 4, attributionArgs };
      const [a, b] = await Promise.all([attribute(ort, inputTexts, options), attribute(tfjs, inputTexts, options)]);
      for (const [row, sequence] of a.sequence_attributions.entries()) {
        const ours = sequence.source_attributions!;
        const theirs = b.sequence_attributions[row].source_attributions!;
        expect(ours.shape).toEqual(theirs.shape);
        expect(Array.from(ours.data).some((v) => Number.isFinite(v) && v !== 0)).toBe(true);
        expect(maxAbsDiff(ours.data, theirs.data)).toBeLessThan(1e-4);
      }
    }
  });

  it('lime (UNK mask token, seeded) attributes the source as tfjs does', async () => {
    const options = { method: 'lime', methods, maxNewTokens: 3, attributionArgs: { mask_token: 'unk', seed: 7 } } as const;
    const [a, b] = await Promise.all([attribute(ort, inputTexts[0], options), attribute(tfjs, inputTexts[0], options)]);
    const sequence = a.sequence_attributions[0];
    const ours = sequence.source_attributions!;
    expect(ours.shape[0]).toBe(sequence.source.length);
    expect(Array.from(ours.data).every((v) => !Number.isNaN(v))).toBe(true);
    expect(Array.from(ours.data).some((v) => v !== 0)).toBe(true);
    expect(maxAbsDiff(ours.data, b.sequence_attributions[0].source_attributions!.data)).toBeLessThan(1e-3);
  });
});
