import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTinyMarian } from '../encoder-decoder/create-tiny-marian';
import { referenceEncoderDecoderForward } from '../encoder-decoder/reference-encoder-decoder-forward';
import { maxAbsDiff } from '../max-abs-diff';
import { tinyMarianOnnxFiles } from './tiny-marian-onnx-files';

const { weights, config, files: safetensorsFiles } = createTinyMarian();
const vocab = config.vocab_size as number;
const pad = config.pad_token_id as number;
const layers = config.decoder_layers as number;
const heads = config.decoder_attention_heads as number;

// Right-padded sources ending in </s> (0); decoder rows start with decoder_start_token_id (pad).
const sourceIds = [
  [12, 7, 301, 45, 0],
  [88, 5, 0, pad, pad],
];
const sourceMask = [
  [1, 1, 1, 1, 1],
  [1, 1, 1, 0, 0],
];
const targetIds = [
  [pad, 17, 230, 9],
  [pad, 402, 3, 61],
];
const targetMask = targetIds.map((row) => row.map(() => 1));

const int64 = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);

describe('tinyMarianOnnxFiles', () => {
  const files = tinyMarianOnnxFiles({ withPast: true, outputAttentions: true });
  const reference = referenceEncoderDecoderForward(weights, config, sourceIds, sourceMask, targetIds, targetMask, { outputAttentions: true });
  let encoder: InferenceSession;
  let decoder: InferenceSession;
  let withPast: InferenceSession;
  beforeAll(async () => {
    const options = { intraOpNumThreads: 1 };
    encoder = await InferenceSession.create(files['onnx/encoder_model.onnx'], options);
    decoder = await InferenceSession.create(files['onnx/decoder_model.onnx'], options);
    withPast = await InferenceSession.create(files['onnx/decoder_with_past_model.onnx'], options);
  });
  afterAll(async () => {
    await Promise.all([encoder, decoder, withPast].map((session) => session?.release()));
  });

  it('writes the transformers.js folder with the safetensors folder’s config and tokenizer', () => {
    expect(Object.keys(files).sort()).toEqual(
      ['config.json', 'generation_config.json', 'onnx/decoder_model.onnx', 'onnx/decoder_with_past_model.onnx', 'onnx/encoder_model.onnx', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    for (const name of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) expect(files[name]).toEqual(safetensorsFiles[name]);
    expect(Object.keys(tinyMarianOnnxFiles())).not.toContain('onnx/decoder_with_past_model.onnx');
  });

  it('declares Optimum’s input and output names', () => {
    expect([...encoder.inputNames].sort()).toEqual(['attention_mask', 'input_ids']);
    const encoderLayers = config.encoder_layers as number;
    expect([...encoder.outputNames]).toEqual(['last_hidden_state', ...Array.from({ length: encoderLayers }, (_, i) => `encoder_attentions.${i}`)]);
    expect([...decoder.inputNames].sort()).toEqual(['encoder_attention_mask', 'encoder_hidden_states', 'input_ids']);
    const present = (sides: string[]) =>
      Array.from({ length: layers }, (_, i) => sides.flatMap((side) => [`present.${i}.${side}.key`, `present.${i}.${side}.value`])).flat();
    const cross = Array.from({ length: layers }, (_, i) => [`decoder_attentions.${i}`, `cross_attentions.${i}`]).flat();
    expect([...decoder.outputNames]).toEqual(['logits', ...present(['decoder', 'encoder']), ...cross]);
    const past = Array.from({ length: layers }, (_, i) => ['decoder', 'encoder'].flatMap((side) => [`past_key_values.${i}.${side}.key`, `past_key_values.${i}.${side}.value`])).flat();
    expect([...withPast.inputNames].sort()).toEqual(['encoder_attention_mask', 'input_ids', ...past].sort());
    expect([...withPast.outputNames]).toEqual(['logits', ...present(['decoder']), ...cross]);
  });

  it('keeps the encoder to last_hidden_state without outputAttentions', async () => {
    const plain = await InferenceSession.create(tinyMarianOnnxFiles()['onnx/encoder_model.onnx'], { intraOpNumThreads: 1 });
    try {
      expect([...plain.outputNames]).toEqual(['last_hidden_state']);
    } finally {
      await plain.release();
    }
  });

  it('encoder and decoder equal the float64 reference within 1e-4 on a right-padded source batch', async () => {
    const encoded = await encoder.run({ input_ids: int64(sourceIds), attention_mask: int64(sourceMask) });
    const hidden = encoded.last_hidden_state;
    expect(hidden.dims).toEqual([2, 5, config.d_model]);
    expect(maxAbsDiff(hidden.data as Float32Array, reference.encoderHiddenState)).toBeLessThan(1e-4);
    // Every row's weights, padded source queries included (softmax over the real keys, as HF); padded keys exactly 0.
    for (let layer = 0; layer < (config.encoder_layers as number); layer++) {
      const weights = encoded[`encoder_attentions.${layer}`];
      expect(weights.dims).toEqual([2, config.encoder_attention_heads, 5, 5]);
      expect(maxAbsDiff(weights.data as Float32Array, reference.encoderAttentions![layer])).toBeLessThan(1e-5);
      const row1 = (weights.data as Float32Array).subarray(25 * (config.encoder_attention_heads as number));
      expect(Array.from(row1).filter((_, i) => i % 5 >= 3)).toEqual(Array((row1.length / 5) * 2).fill(0));
    }
    const out = await decoder.run({ input_ids: int64(targetIds), encoder_attention_mask: int64(sourceMask), encoder_hidden_states: hidden });
    expect(out.logits.dims).toEqual([2, 4, vocab]);
    expect(maxAbsDiff(out.logits.data as Float32Array, reference.logits)).toBeLessThan(1e-4);
    for (let layer = 0; layer < layers; layer++) {
      expect(out[`cross_attentions.${layer}`].dims).toEqual([2, heads, 4, 5]);
      expect(maxAbsDiff(out[`decoder_attentions.${layer}`].data as Float32Array, reference.decoderAttentions![layer])).toBeLessThan(1e-5);
      expect(maxAbsDiff(out[`cross_attentions.${layer}`].data as Float32Array, reference.crossAttentions![layer])).toBeLessThan(1e-5);
      expect(out[`present.${layer}.decoder.key`].dims).toEqual([2, heads, 4, (config.d_model as number) / heads]);
      expect(out[`present.${layer}.encoder.value`].dims).toEqual([2, heads, 5, (config.d_model as number) / heads]);
    }
  });

  it('decoder_model_merged runs the first step with an empty past and later steps from the cache, with the same logits', async () => {
    const mergedFiles = tinyMarianOnnxFiles({ merged: true });
    const merged = await InferenceSession.create(mergedFiles['onnx/decoder_model_merged.onnx'], { intraOpNumThreads: 1 });
    try {
      const past = Array.from({ length: layers }, (_, i) => ['decoder', 'encoder'].flatMap((side) => [`past_key_values.${i}.${side}.key`, `past_key_values.${i}.${side}.value`])).flat();
      expect([...merged.inputNames].sort()).toEqual(['encoder_attention_mask', 'encoder_hidden_states', 'input_ids', ...past, 'use_cache_branch'].sort());
      const encoded = await encoder.run({ input_ids: int64(sourceIds), attention_mask: int64(sourceMask) });
      const headDim = (config.d_model as number) / heads;
      let cache: Record<string, Tensor> = Object.fromEntries(past.map((name) => [name, new Tensor('float32', new Float32Array(0), [2, heads, 0, headDim])]));
      for (const [step, fed] of [
        [0, 2],
        [2, 1],
        [3, 1],
      ]) {
        const out = await merged.run({
          ...cache,
          input_ids: int64(targetIds.map((row) => row.slice(step, step + fed))),
          encoder_attention_mask: int64(sourceMask),
          encoder_hidden_states: encoded.last_hidden_state,
          use_cache_branch: new Tensor('bool', new Uint8Array([step > 0 ? 1 : 0]), [1]),
        });
        const last = step + fed - 1;
        const expected = [0, 1].flatMap((b) => Array.from(reference.logits.subarray((b * 4 + last) * vocab, (b * 4 + last + 1) * vocab)));
        const got = [0, 1].flatMap((b) => Array.from((out.logits.data as Float32Array).subarray((b * fed + fed - 1) * vocab, (b * fed + fed) * vocab)));
        expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
        expect(out[`present.0.encoder.key`].dims).toEqual([2, heads, 5, headDim]);
        cache = Object.fromEntries(past.map((name) => [name, out[name.replace('past_key_values', 'present')]]));
      }
    } finally {
      await merged.release();
    }
  });

  it('decoder_with_past_model continues the cache token by token with the same logits', async () => {
    const encoded = await encoder.run({ input_ids: int64(sourceIds), attention_mask: int64(sourceMask) });
    const first = await decoder.run({
      input_ids: int64(targetIds.map((row) => row.slice(0, 2))),
      encoder_attention_mask: int64(sourceMask),
      encoder_hidden_states: encoded.last_hidden_state,
    });
    let cache: Record<string, Tensor> = {};
    for (let layer = 0; layer < layers; layer++) {
      for (const side of ['decoder', 'encoder']) for (const part of ['key', 'value']) cache[`past_key_values.${layer}.${side}.${part}`] = first[`present.${layer}.${side}.${part}`];
    }
    for (let step = 2; step < 4; step++) {
      const out = await withPast.run({ ...cache, input_ids: int64(targetIds.map((row) => [row[step]])), encoder_attention_mask: int64(sourceMask) });
      expect(out.logits.dims).toEqual([2, 1, vocab]);
      const expected = [0, 1].flatMap((b) => Array.from(reference.logits.subarray((b * 4 + step) * vocab, (b * 4 + step + 1) * vocab)));
      expect(maxAbsDiff(out.logits.data as Float32Array, expected)).toBeLessThan(1e-4);
      const next: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(cache)) next[name] = name.includes('.decoder.') ? out[name.replace('past_key_values', 'present')] : tensor;
      cache = next;
    }
  });
});
