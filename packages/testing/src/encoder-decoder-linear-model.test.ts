import { probability, type Tensor } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { encoderDecoderLinearModel } from './encoder-decoder-linear-model';

const model = encoderDecoderLinearModel();
const { backend } = model;
const hidden = 3;
// Two rows: source "the cat </s>" and "dog </s> [pad]" (right padding); decoder "<pad> a" and "[pad] <pad>" (left padding).
const encoderIds = { data: Int32Array.of(1, 2, 0, 7, 0, 9), shape: [2, 3] };
const encoderMask = { data: Int32Array.of(1, 1, 1, 1, 1, 0), shape: [2, 3] };
const inputIds = { data: Int32Array.of(9, 6, 9, 9), shape: [2, 2] };
const attentionMask = { data: Int32Array.of(1, 1, 0, 1), shape: [2, 2] };

const sum = (vectors: Float64Array[]) => Array.from({ length: hidden }, (_, h) => vectors.reduce((acc, v) => acc + v[h], 0));
const logitOf = (z: number[], v: number) => model.weight(v).reduce((acc, w, h) => acc + w * z[h], 0);

describe('encoderDecoderLinearModel', () => {
  it('is an encoder-decoder backend whose tokenizer appends </s> and whose decoder starts with <pad>', () => {
    expect(backend.config.isEncoderDecoder).toBe(true);
    expect(backend.config.decoderStartTokenId).toBe(9);
    expect(model.tokenizer.encode('the cat')).toEqual([1, 2, 0]);
    expect(model.tokenizer.specialTokenIds).toEqual({ eos: 0, unk: 8, pad: 9 });
  });

  it('gives logits W · (Σ real source E_src + Σ real decoder E_dec), padding excluded, at the last or every position', async () => {
    const encoder = { inputIds: encoderIds, attentionMask: encoderMask };
    const { logits } = await backend.forward({ inputIds, attentionMask, encoder });
    const z0 = sum([model.sourceEmbedding(1), model.sourceEmbedding(2), model.sourceEmbedding(0), model.targetEmbedding(9), model.targetEmbedding(6)]);
    const z1 = sum([model.sourceEmbedding(7), model.sourceEmbedding(0), model.targetEmbedding(9)]);
    expect(logits.shape).toEqual([2, 10]);
    expect(logits.data[4]).toBeCloseTo(logitOf(z0, 4), 5);
    expect(logits.data[10 + 4]).toBeCloseTo(logitOf(z1, 4), 5);
    const all = await backend.forward({ inputIds, attentionMask, encoder, logitsAt: 'all' });
    expect(all.logits.shape).toEqual([2, 2, 10]);
    const first = sum([model.sourceEmbedding(1), model.sourceEmbedding(2), model.sourceEmbedding(0), model.targetEmbedding(9)]);
    expect(all.logits.data[4]).toBeCloseTo(logitOf(first, 4), 5);
    expect(all.logits.data[10 + 4]).toBeCloseTo(logitOf(z0, 4), 5);
    // Given embeddings replace the tables on both sides.
    const zeros = await backend.forward({
      inputIds,
      attentionMask,
      inputsEmbeds: { data: new Float32Array(12), shape: [2, 2, 3] },
      encoder: { ...encoder, inputsEmbeds: { data: new Float32Array(18), shape: [2, 3, 3] } },
    });
    expect(Array.from(zeros.logits.data)).toEqual(new Array(20).fill(0));
    await expect(backend.forward({ inputIds, attentionMask })).rejects.toThrow(/needs `encoder`/);
  });

  it('returns d F / d z on every real position of both sides, zero on padding, matching finite differences', async () => {
    const inputsEmbeds = await backend.embed(inputIds);
    const sourceEmbeds = await backend.embed(encoderIds, 'encoder');
    const encoder = { inputIds: encoderIds, attentionMask: encoderMask, inputsEmbeds: sourceEmbeds };
    const targetIds = Int32Array.of(3, 5);
    const target = probability.differentiable!;
    const out = await backend.gradients!({ inputIds, attentionMask, inputsEmbeds, encoder, targetIds, target });
    expect(out.gradients.shape).toEqual([2, 2, 3]);
    expect(out.encoderGradients!.shape).toEqual([2, 3, 3]);
    // Padding: decoder row 1 position 0, source row 1 position 2.
    expect(Array.from(out.gradients.data.subarray(6, 9))).toEqual([0, 0, 0]);
    expect(Array.from(out.encoderGradients!.data.subarray(15, 18))).toEqual([0, 0, 0]);
    const f = async (source: Float32Array) => {
      const { logits } = await backend.forward({ inputIds, attentionMask, inputsEmbeds, encoder: { ...encoder, inputsEmbeds: { data: source, shape: [2, 3, 3] } } });
      return probability.compute({ logits, targetIds, options: { logprob: false } });
    };
    for (const index of [0, 4, 11]) {
      const epsilon = 1e-3;
      const plus = Float32Array.from(sourceEmbeds.data);
      const minus = Float32Array.from(sourceEmbeds.data);
      plus[index] += epsilon;
      minus[index] -= epsilon;
      const row = index < 9 ? 0 : 1;
      const estimate = ((await f(plus))[row] - (await f(minus))[row]) / (2 * epsilon);
      expect(out.encoderGradients!.data[index]).toBeCloseTo(estimate, 3);
    }
    // The same d F / d z reaches every real position of both sides.
    expect(Array.from(out.gradients.data.subarray(0, 3))).toEqual(Array.from(out.encoderGradients!.data.subarray(0, 3)));
    expect(out.targetValues[0]).toBeCloseTo((await f(sourceEmbeds.data))[0], 6);
  });

  it('returns decoder, cross and encoder attentions whose real rows sum to 1 and padded rows and keys are 0', async () => {
    const encoder = { inputIds: encoderIds, attentionMask: encoderMask };
    const out = await backend.forward({ inputIds, attentionMask, encoder, outputAttentions: true });
    expect(out.attentions!.map((a) => a.shape)).toEqual([[2, 2, 2, 2], [2, 2, 2, 2]]);
    expect(out.crossAttentions!.map((a) => a.shape)).toEqual([[2, 2, 2, 3], [2, 2, 2, 3]]);
    expect(out.encoderAttentions!.map((a) => a.shape)).toEqual([[2, 2, 3, 3], [2, 2, 3, 3]]);
    const rowSums = (tensor: Tensor) => {
      const keys = tensor.shape[3];
      return Array.from({ length: tensor.data.length / keys }, (_, r) => tensor.data.subarray(r * keys, (r + 1) * keys).reduce((a, b) => a + b, 0));
    };
    // Decoder self-attention, row 0 (no padding): causal, so query 0 sees only key 0.
    const self = out.attentions![0];
    expect(self.data[0]).toBeCloseTo(1, 6);
    expect(self.data[1]).toBe(0);
    // Row 1 of the batch: query 0 is padding (all zero), query 1 sees key 1 only.
    expect(rowSums(self).slice(4)).toEqual([0, expect.closeTo(1, 6), 0, expect.closeTo(1, 6)]);
    const cross = out.crossAttentions![1];
    // Row 1's source key 2 is padding.
    for (let h = 0; h < 2; h++) expect(cross.data[((1 * 2 + h) * 2 + 1) * 3 + 2]).toBe(0);
    expect(rowSums(cross)).toEqual([1, 1, 1, 1, 0, 1, 0, 1].map((v) => expect.closeTo(v, 6)));
    expect(rowSums(out.encoderAttentions![0])).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0].map((v) => expect.closeTo(v, 6)));
  });
});
