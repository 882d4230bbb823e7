import { intTensorFromRows, logit, memoryModelFiles } from '@inseq/core';
import { centralDifference, createTinyBart, createTinyMarian, createTinyT5, maxAbsDiff, referenceEncoderDecoderForward, type TinySeq2Seq } from '@inseq/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../../init-tfjs';
import { loadTfjsBackend } from '../../load-tfjs-backend';
import { seq2seqBatch } from './seq2seq-reference-checks.test-support';

const models: [string, () => TinySeq2Seq][] = [
  ['marian', () => createTinyMarian({ seed: 11 })],
  ['bart', () => createTinyBart({ seed: 12 })],
  ['mbart', () => createTinyBart({ seed: 13, family: 'mbart' })],
  ['t5', () => createTinyT5({ seed: 14, feedForwardProj: 'gated-gelu' })],
];

describe('encoder-decoder folders through loadTfjsBackend', () => {
  beforeAll(async () => {
    await initTfjs();
  });

  it.each(models)('%s: config read as an encoder-decoder, next-token logits of a padded batch equal the reference', async (name, create) => {
    const tiny = create();
    const backend = await loadTfjsBackend(memoryModelFiles(tiny.files, `tiny-${name}`));
    try {
      expect(backend.config).toMatchObject({ modelType: name, isEncoderDecoder: true, decoderStartTokenId: tiny.config.decoder_start_token_id, hiddenSize: tiny.config.d_model });
      const batch = seq2seqBatch(tiny.config.pad_token_id as number, tiny.config.decoder_start_token_id as number, tiny.config.eos_token_id as number);
      const rows = (value: readonly (readonly number[])[]) => intTensorFromRows(value.map((row) => [...row]));
      const { logits } = await backend.forward({
        inputIds: rows(batch.target),
        attentionMask: rows(batch.targetMask),
        encoder: { inputIds: rows(batch.source), attentionMask: rows(batch.sourceMask) },
      });
      const vocab = backend.config.vocabSize;
      for (let b = 0; b < 2; b++) {
        const real = batch.target[b].filter((_, t) => batch.targetMask[b][t] === 1);
        const reference = referenceEncoderDecoderForward(tiny.weights, tiny.config, [batch.source[b]], [batch.sourceMask[b]], [real], [real.map(() => 1)]).logits;
        expect(maxAbsDiff(logits.data.subarray(b * vocab, (b + 1) * vocab), reference.subarray((real.length - 1) * vocab, real.length * vocab))).toBeLessThan(1e-4);
      }
    } finally {
      backend.dispose();
    }
  });

  it('marian: backend gradients w.r.t. both embeddings equal central differences of the reference', async () => {
    const tiny = createTinyMarian({ seed: 15 });
    const backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-marian'));
    try {
      const [source, target] = [[[45, 300, 12, 0]], [[tiny.config.decoder_start_token_id as number, 17, 250]]];
      const ones = (rows: number[][]) => rows.map((row) => row.map(() => 1));
      const encoder = { inputIds: intTensorFromRows(source), attentionMask: intTensorFromRows(ones(source)) };
      const encoderEmbeds = await backend.embed(encoder.inputIds, 'encoder');
      const inputIds = intTensorFromRows(target);
      const inputsEmbeds = await backend.embed(inputIds, 'decoder');
      const targetId = 40;
      const out = await backend.gradients!({
        inputIds,
        attentionMask: intTensorFromRows(ones(target)),
        inputsEmbeds,
        targetIds: Int32Array.of(targetId),
        target: logit.differentiable!,
        encoder: { ...encoder, inputsEmbeds: encoderEmbeds },
      });
      const d = tiny.config.d_model as number;
      const scale = Math.sqrt(d);
      const nested = (flat: Float64Array, factor: number) => [Array.from({ length: flat.length / d }, (_, s) => Array.from(flat.subarray(s * d, (s + 1) * d), (v) => v * factor))];
      const [sourceFlat, targetFlat] = [Float64Array.from(encoderEmbeds.data), Float64Array.from(inputsEmbeds.data)];
      const vocab = tiny.config.vocab_size as number;
      // embed returns the attributed tensor, rows × √d_model (docs/attributed-embeddings.md): HF's
      // encoder takes it as inputs_embeds; Marian's decoder scales decoder_inputs_embeds itself.
      const f = (x: Float64Array, y: Float64Array) =>
        referenceEncoderDecoderForward(tiny.weights, tiny.config, source, ones(source), target, ones(target), {
          encoderInputsEmbeds: nested(x, 1),
          decoderInputsEmbeds: nested(y, 1 / scale),
        }).logits[2 * vocab + targetId];
      expect(out.targetValues[0]).toBeCloseTo(f(sourceFlat, targetFlat), 4);
      for (const index of [2, d + 7, 3 * d + 30]) {
        expect(out.encoderGradients!.data[index]).toBeCloseTo(centralDifference((x) => f(x, targetFlat), sourceFlat, index, 1e-4), 3);
      }
      for (const index of [5, 2 * d + 11]) {
        expect(out.gradients.data[index]).toBeCloseTo(centralDifference((y) => f(sourceFlat, y), targetFlat, index, 1e-4), 3);
      }
    } finally {
      backend.dispose();
    }
  });

  it('rejects what the ports cannot run, naming the fix', async () => {
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const t5 = createTinyT5();
    const swiglu = { ...t5.files, 'config.json': json({ ...t5.config, feed_forward_proj: 'gated-gelu-fast' }) };
    await expect(loadTfjsBackend(memoryModelFiles(swiglu, 't5'))).rejects.toThrow(/feed_forward_proj "gated-gelu-fast" is not supported/);
    const marian = createTinyMarian();
    const noStart = { ...marian.files, 'config.json': json({ ...marian.config, decoder_start_token_id: null }) };
    await expect(loadTfjsBackend(memoryModelFiles(noStart, 'marian'))).rejects.toThrow(/decoder_start_token_id must be a token id/);
    const wide = { ...marian.files, 'config.json': json({ ...marian.config, decoder_ffn_dim: 65 }) };
    await expect(loadTfjsBackend(memoryModelFiles(wide, 'marian'))).rejects.toThrow(/fc1.weight' has shape \[64, 32\] but config.json implies \[65, 32\]/);
    const bart = createTinyBart();
    const decoderOnly = { ...bart.files, 'config.json': json({ ...bart.config, is_encoder_decoder: false }) };
    await expect(loadTfjsBackend(memoryModelFiles(decoderOnly, 'bart'))).rejects.toThrow(/is_encoder_decoder: false/);
  });
});
