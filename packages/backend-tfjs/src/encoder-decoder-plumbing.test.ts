import { type ModelConfig, intTensorFromRows, logit } from '@inseq/core';
import * as tf from './tf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend } from './create-tfjs-backend';
import { initTfjs } from './init-tfjs';
import type { CausalLmPass, TfjsCausalLm } from './models/tfjs-causal-lm';

const vocab = 6;
const hidden = 3;
const encoderTable = Float32Array.from({ length: vocab * hidden }, (_, i) => Math.sin(1 + i * 0.7));
const decoderTable = Float32Array.from({ length: vocab * hidden }, (_, i) => Math.cos(2 + i * 0.3));
const weights = Float32Array.from({ length: hidden * vocab }, (_, i) => Math.sin(3 + i * 1.1));

/**
 * A closed-form seq2seq "model" in tfjs ops: logits = (Σ real source embeddings + Σ real decoder
 * embeddings) · W, separate encoder and decoder tables. It checks the backend's plumbing (encoder
 * inputs, embeddings by side, gradients w.r.t. both sides, outputs), not an architecture.
 */
function linearSeq2Seq(): TfjsCausalLm {
  const config: ModelConfig = {
    modelType: 'linear_seq2seq',
    vocabSize: vocab,
    hiddenSize: hidden,
    numLayers: 1,
    numHeads: 1,
    maxPositions: 16,
    isEncoderDecoder: true,
    decoderStartTokenId: 0,
    raw: {},
  };
  const [encoderWeights, decoderWeights, head] = [tf.tensor2d(encoderTable, [vocab, hidden]), tf.tensor2d(decoderTable, [vocab, hidden]), tf.tensor2d(weights, [hidden, vocab])];
  const maskedSum = (x: tf.Tensor3D, mask: { data: Int32Array; shape: readonly number[] }) =>
    tf.sum(tf.mul(x, tf.tensor3d(Float32Array.from(mask.data), [mask.shape[0], mask.shape[1], 1])), 1) as tf.Tensor2D;
  return {
    config,
    embed: (ids, side) => {
      const [batch, seq] = ids.shape;
      return tf.reshape(tf.gather(side === 'encoder' ? encoderWeights : decoderWeights, tf.reshape(ids, [batch * seq])), [batch, seq, hidden]);
    },
    layerNames: () => [],
    run(pass: CausalLmPass) {
      const sum = tf.add(maskedSum(pass.inputsEmbeds, pass.attentionMask), maskedSum(pass.encoder!.inputsEmbeds, pass.encoder!.attentionMask)) as tf.Tensor2D;
      const batch = pass.inputsEmbeds.shape[0];
      const fake = tf.fill([batch, 1, pass.inputsEmbeds.shape[1], pass.encoder!.inputsEmbeds.shape[1]], 1 / pass.encoder!.inputsEmbeds.shape[1]) as tf.Tensor4D;
      return { logits: tf.matMul(sum, head), ...(pass.outputAttentions && { crossAttentions: [fake], encoderAttentions: [], attentions: [] }) };
    },
    dispose: () => tf.dispose([encoderWeights, decoderWeights, head]),
  };
}

const encoder = { inputIds: intTensorFromRows([[1, 2, 3], [4, 5, 0]]), attentionMask: intTensorFromRows([[1, 1, 1], [1, 1, 0]]) };
const decoder = { inputIds: intTensorFromRows([[0, 2], [0, 3]]), attentionMask: intTensorFromRows([[1, 1], [1, 1]]) };
const row = (table: Float32Array, id: number) => table.subarray(id * hidden, (id + 1) * hidden);

describe('tfjs backend plumbing for encoder-decoder models', () => {
  let backend: ReturnType<typeof createTfjsBackend>;
  beforeAll(async () => {
    await initTfjs();
    backend = createTfjsBackend(linearSeq2Seq());
  });
  afterAll(() => backend?.dispose());

  it('forward takes the source; embed reads the table of each side', async () => {
    const { logits, crossAttentions } = await backend.forward({ ...decoder, encoder, outputAttentions: true });
    const sum = (b: number) => {
      const out = new Float64Array(hidden);
      const ids = [...[[1, 2, 3], [4, 5]][b].map((id) => row(encoderTable, id)), ...[[0, 2], [0, 3]][b].map((id) => row(decoderTable, id))];
      for (const vector of ids) for (let h = 0; h < hidden; h++) out[h] += vector[h];
      return out;
    };
    for (let b = 0; b < 2; b++) {
      for (let v = 0; v < vocab; v++) {
        const expected = sum(b).reduce((acc, x, h) => acc + x * weights[h * vocab + v], 0);
        expect(logits.data[b * vocab + v]).toBeCloseTo(expected, 5);
      }
    }
    expect(crossAttentions![0].shape).toEqual([2, 1, 2, 3]);
    expect(Array.from((await backend.embed(encoder.inputIds, 'encoder')).data.subarray(0, hidden))).toEqual(Array.from(row(encoderTable, 1)));
    expect(Array.from((await backend.embed(encoder.inputIds, 'decoder')).data.subarray(0, hidden))).toEqual(Array.from(row(decoderTable, 1)));
  });

  it('gradients w.r.t. both sides: W[:, target] at every real position, 0 on source padding; tensors freed', async () => {
    const before = tf.memory().numTensors;
    const { gradients, encoderGradients } = await backend.gradients!({
      ...decoder,
      inputsEmbeds: await backend.embed(decoder.inputIds, 'decoder'),
      encoder: { ...encoder, inputsEmbeds: await backend.embed(encoder.inputIds, 'encoder') },
      targetIds: Int32Array.of(4, 1),
      target: logit.differentiable!,
    });
    expect(encoderGradients!.shape).toEqual([2, 3, hidden]);
    const column = (v: number) => Array.from({ length: hidden }, (_, h) => weights[h * vocab + v]);
    for (const [b, target] of [
      [0, 4],
      [1, 1],
    ]) {
      for (let s = 0; s < 3; s++) {
        const got = Array.from(encoderGradients!.data.subarray((b * 3 + s) * hidden, (b * 3 + s + 1) * hidden));
        const expected = b === 1 && s === 2 ? [0, 0, 0] : column(target);
        for (const [h, value] of got.entries()) expect(value).toBeCloseTo(expected[h], 5);
      }
      for (let t = 0; t < 2; t++) {
        const got = Array.from(gradients.data.subarray((b * 2 + t) * hidden, (b * 2 + t + 1) * hidden));
        for (const [h, value] of got.entries()) expect(value).toBeCloseTo(column(target)[h], 5);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a missing source, a source for the wrong rows, and gradients without source embeddings', async () => {
    await expect(backend.forward(decoder)).rejects.toThrow(/encoder-decoder model '\w+' needs `encoder`: give the source as encoder/);
    await expect(backend.forward({ ...decoder, encoder: { ...encoder, inputIds: intTensorFromRows([[1, 2, 3]]) } })).rejects.toThrow(/one source per decoder row/);
    await expect(
      backend.gradients!({ ...decoder, inputsEmbeds: await backend.embed(decoder.inputIds), encoder, targetIds: Int32Array.of(1, 1), target: logit.differentiable! }),
    ).rejects.toThrow(/need encoder.inputsEmbeds/);
  });
});
