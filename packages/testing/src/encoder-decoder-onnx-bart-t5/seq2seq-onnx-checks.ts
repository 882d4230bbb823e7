import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceEncoderDecoderForward } from '../encoder-decoder/reference-encoder-decoder-forward';
import type { TinySeq2Seq } from '../encoder-decoder/tiny-seq2seq';
import { maxAbsDiff } from '../max-abs-diff';

/** What {@link describeSeq2SeqOnnx} checks: a generated model and its ONNX folder (written with `withPast`, `merged` and `outputAttentions`). */
export interface Seq2SeqOnnxCase {
  readonly model: TinySeq2Seq;
  readonly files: Record<string, Uint8Array>;
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
}

const int64 = (rows: readonly (readonly number[])[]) => new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);

/** `length` ids in `[10, 10 + span)`, deterministic (clear of every special id of the tiny tokenizers). */
const someIds = (length: number, salt: number) => Array.from({ length }, (_, i) => 10 + ((i * 37 + salt * 101) % 500));

/**
 * Checks an encoder-decoder ONNX folder in onnxruntime-node against the float64
 * {@link referenceEncoderDecoderForward} on the same weights: a right-padded source batch long
 * enough (20 tokens, 12 decoder tokens) that T5's logarithmic relative-position buckets are used.
 */
export function describeSeq2SeqOnnx(name: string, build: () => Seq2SeqOnnxCase): void {
  describe(name, () => {
    const { model, files, layers, heads, headDim } = build();
    const { weights, config } = model;
    const vocab = config.vocab_size as number;
    const dModel = config.d_model as number;
    const pad = config.pad_token_id as number;
    const eos = config.eos_token_id as number;
    const start = config.decoder_start_token_id as number;
    const sourceIds = [[...someIds(19, 0), eos], [...someIds(12, 1), eos, ...Array(7).fill(pad)]];
    const sourceMask = sourceIds.map((row, b) => row.map((_, s) => (b === 1 && s > 12 ? 0 : 1)));
    const targetIds = [
      [start, ...someIds(11, 2)],
      [start, ...someIds(11, 3)],
    ];
    const targetMask = targetIds.map((row) => row.map(() => 1));
    const [sourceLength, targetLength] = [sourceIds[0].length, targetIds[0].length];
    const reference = referenceEncoderDecoderForward(weights, config, sourceIds, sourceMask, targetIds, targetMask, { outputAttentions: true });
    const logitsAt = (step: number) => [0, 1].flatMap((b) => Array.from(reference.logits.subarray((b * targetLength + step) * vocab, (b * targetLength + step + 1) * vocab)));
    const sessions: Record<string, InferenceSession> = {};
    beforeAll(async () => {
      for (const graph of ['encoder_model', 'decoder_model', 'decoder_with_past_model', 'decoder_model_merged']) {
        sessions[graph] = await InferenceSession.create(files[`onnx/${graph}.onnx`], { intraOpNumThreads: 1 });
      }
    });
    afterAll(async () => {
      await Promise.all(Object.values(sessions).map((session) => session.release()));
    });

    it('writes the transformers.js folder with the safetensors folder’s config and tokenizer', () => {
      expect(Object.keys(files).sort()).toEqual(
        [
          'config.json',
          'generation_config.json',
          'onnx/decoder_model.onnx',
          'onnx/decoder_model_merged.onnx',
          'onnx/decoder_with_past_model.onnx',
          'onnx/encoder_model.onnx',
          'tokenizer.json',
          'tokenizer_config.json',
        ].sort(),
      );
      for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) expect(files[file]).toEqual(model.files[file]);
    });

    it('declares the input and output names of the Marian export (Optimum’s)', () => {
      const { encoder_model: encoder, decoder_model: decoder, decoder_with_past_model: withPast, decoder_model_merged: merged } = sessions;
      expect([...encoder.inputNames].sort()).toEqual(['attention_mask', 'input_ids']);
      const encoderLayers = reference.encoderAttentions!.length;
      expect([...encoder.outputNames]).toEqual(['last_hidden_state', ...Array.from({ length: encoderLayers }, (_, i) => `encoder_attentions.${i}`)]);
      expect([...decoder.inputNames].sort()).toEqual(['encoder_attention_mask', 'encoder_hidden_states', 'input_ids']);
      const per = (f: (i: number) => string[]) => Array.from({ length: layers }, (_, i) => f(i)).flat();
      const present = (sides: string[]) => per((i) => sides.flatMap((side) => [`present.${i}.${side}.key`, `present.${i}.${side}.value`]));
      const attentions = per((i) => [`decoder_attentions.${i}`, `cross_attentions.${i}`]);
      expect([...decoder.outputNames]).toEqual(['logits', ...present(['decoder', 'encoder']), ...attentions]);
      const past = per((i) => ['decoder', 'encoder'].flatMap((side) => [`past_key_values.${i}.${side}.key`, `past_key_values.${i}.${side}.value`]));
      expect([...withPast.inputNames].sort()).toEqual(['encoder_attention_mask', 'input_ids', ...past].sort());
      expect([...withPast.outputNames]).toEqual(['logits', ...present(['decoder']), ...attentions]);
      expect([...merged.inputNames].sort()).toEqual(['encoder_attention_mask', 'encoder_hidden_states', 'input_ids', ...past, 'use_cache_branch'].sort());
      expect([...merged.outputNames]).toEqual(['logits', ...present(['decoder', 'encoder']), ...attentions]);
    });

    it('encoder state and decoder logits at every position equal the float64 reference (1e-4), encoder, decoder and cross attentions (1e-5)', async () => {
      const encoded = await sessions.encoder_model.run({ input_ids: int64(sourceIds), attention_mask: int64(sourceMask) });
      const hidden = encoded.last_hidden_state;
      expect(hidden.dims).toEqual([2, sourceLength, dModel]);
      expect(maxAbsDiff(hidden.data as Float32Array, reference.encoderHiddenState)).toBeLessThan(1e-4);
      for (const [layer, expected] of reference.encoderAttentions!.entries()) {
        const weights = encoded[`encoder_attentions.${layer}`];
        expect(weights.dims).toEqual([2, weights.dims[1], sourceLength, sourceLength]);
        expect(maxAbsDiff(weights.data as Float32Array, expected), `encoder_attentions.${layer}`).toBeLessThan(1e-5);
      }
      const out = await sessions.decoder_model.run({ input_ids: int64(targetIds), encoder_attention_mask: int64(sourceMask), encoder_hidden_states: hidden });
      expect(out.logits.dims).toEqual([2, targetLength, vocab]);
      expect(maxAbsDiff(out.logits.data as Float32Array, reference.logits)).toBeLessThan(1e-4);
      for (let layer = 0; layer < layers; layer++) {
        expect(maxAbsDiff(out[`decoder_attentions.${layer}`].data as Float32Array, reference.decoderAttentions![layer])).toBeLessThan(1e-5);
        expect(maxAbsDiff(out[`cross_attentions.${layer}`].data as Float32Array, reference.crossAttentions![layer])).toBeLessThan(1e-5);
        expect(out[`present.${layer}.decoder.key`].dims).toEqual([2, heads, targetLength, headDim]);
        expect(out[`present.${layer}.encoder.value`].dims).toEqual([2, heads, sourceLength, headDim]);
      }
    });

    it('decoder_with_past_model continues the cache (positions after the past) with the same logits (1e-4)', async () => {
      const encoded = await sessions.encoder_model.run({ input_ids: int64(sourceIds), attention_mask: int64(sourceMask) });
      const prefix = 9;
      const first = await sessions.decoder_model.run({
        input_ids: int64(targetIds.map((row) => row.slice(0, prefix))),
        encoder_attention_mask: int64(sourceMask),
        encoder_hidden_states: encoded.last_hidden_state,
      });
      expect(maxAbsDiff(Array.from(first.logits.data as Float32Array).slice((prefix - 1) * vocab, prefix * vocab), logitsAt(prefix - 1).slice(0, vocab))).toBeLessThan(1e-4);
      const cache: Record<string, Tensor> = {};
      for (let layer = 0; layer < layers; layer++) {
        for (const side of ['decoder', 'encoder']) for (const part of ['key', 'value']) cache[`past_key_values.${layer}.${side}.${part}`] = first[`present.${layer}.${side}.${part}`];
      }
      for (let step = prefix; step < targetLength; step++) {
        const out = await sessions.decoder_with_past_model.run({ ...cache, input_ids: int64(targetIds.map((row) => [row[step]])), encoder_attention_mask: int64(sourceMask) });
        expect(out.logits.dims).toEqual([2, 1, vocab]);
        expect(maxAbsDiff(out.logits.data as Float32Array, logitsAt(step))).toBeLessThan(1e-4);
        expect(out['present.0.decoder.key'].dims).toEqual([2, heads, step + 1, headDim]);
        for (let layer = 0; layer < layers; layer++) {
          for (const part of ['key', 'value']) cache[`past_key_values.${layer}.decoder.${part}`] = out[`present.${layer}.decoder.${part}`];
        }
      }
    });

    it('decoder_model_merged runs the first steps with an empty past, later ones from the cache, with the same logits (1e-4)', async () => {
      const encoded = await sessions.encoder_model.run({ input_ids: int64(sourceIds), attention_mask: int64(sourceMask) });
      const past = Array.from({ length: layers }, (_, i) => ['decoder', 'encoder'].flatMap((side) => [`past_key_values.${i}.${side}.key`, `past_key_values.${i}.${side}.value`])).flat();
      let cache: Record<string, Tensor> = Object.fromEntries(past.map((name) => [name, new Tensor('float32', new Float32Array(0), [2, heads, 0, headDim])]));
      for (const [step, fed] of [
        [0, 3],
        [3, 1],
        [4, 5],
        [9, 1],
        [10, 2],
      ]) {
        const out = await sessions.decoder_model_merged.run({
          ...cache,
          input_ids: int64(targetIds.map((row) => row.slice(step, step + fed))),
          encoder_attention_mask: int64(sourceMask),
          encoder_hidden_states: encoded.last_hidden_state,
          use_cache_branch: new Tensor('bool', new Uint8Array([step > 0 ? 1 : 0]), [1]),
        });
        const got = out.logits.data as Float32Array;
        for (let t = 0; t < fed; t++) {
          const rows = [0, 1].flatMap((b) => Array.from(got.subarray((b * fed + t) * vocab, (b * fed + t + 1) * vocab)));
          expect(maxAbsDiff(rows, logitsAt(step + t))).toBeLessThan(1e-4);
        }
        expect(out['present.0.encoder.key'].dims).toEqual([2, heads, sourceLength, headDim]);
        cache = Object.fromEntries(past.map((name) => [name, out[name.replace('past_key_values', 'present')]]));
      }
    });
  });
}
