import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type ModelBackend, builtinStepFunctions, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyBart, createTinyMarian, createTinyT5, tinyBartOnnxFiles, tinyMarianOnnxFiles, tinyT5OnnxFiles } from '@inseq/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSeq2SeqGradientModel, joinSeq2SeqForEmbeds } from './build-seq2seq-gradient-model';
import { decodeOnnxModel } from './decode-onnx-model';
import { encodeOnnxModel } from './encode-onnx-model';
import type { IrModel } from './onnx-ir';
import { recordOnnxTarget } from './onnx-target-ops';
import { specializeIf } from './specialize-if';

const int64 = (data: ArrayLike<number>, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(Array.from(data), BigInt), dims);

/** Largest |a − b| over the largest |b|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(...Array.from(b, Math.abs));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

// Marian and mBART scale their token embeddings by √d_model in a Mul after the Gather: the cut
// removes both, so the fed embeddings are after the scale (as tfjs's embed returns them); BART
// without scale_embedding and T5 have no scale, and the Gather's output is fed.
const rootD = Math.fround(Math.sqrt(32));
const families: [string, () => Record<string, Uint8Array>, () => Record<string, Uint8Array>, number][] = [
  ['marian', () => tinyMarianOnnxFiles(), () => createTinyMarian().files, rootD],
  ['marian (merged, If)', () => tinyMarianOnnxFiles({ merged: 'if' }), () => createTinyMarian().files, rootD],
  ['bart (merged)', () => tinyBartOnnxFiles({ merged: true }), () => createTinyBart().files, 1],
  ['mbart', () => tinyBartOnnxFiles({ family: 'mbart' }), () => createTinyBart({ family: 'mbart' }).files, rootD],
  ['t5', () => tinyT5OnnxFiles(), () => createTinyT5().files, 1],
];

describe.each(families)('the joined gradient model of a tiny %s export on ONNX Runtime', (name, onnxFiles, safetensorsFiles, embedScale) => {
  let tfjs: ModelBackend;
  let encoder: IrModel;
  let decoder: IrModel;
  const merged = name.includes('merged');
  beforeAll(async () => {
    tfjs = await loadTfjsBackend(memoryModelFiles(safetensorsFiles(), name));
    const files = onnxFiles();
    encoder = decodeOnnxModel(files['onnx/encoder_model.onnx']);
    decoder = merged ? specializeIf(decodeOnnxModel(files['onnx/decoder_model_merged.onnx']), 'use_cache_branch', false) : decodeOnnxModel(files['onnx/decoder_model.onnx']);
  });
  afterAll(async () => {
    await tfjs?.dispose();
  });

  // Right-padded sources, unpadded decoder rows (the backend feeds each padding group without its padding).
  const source = { inputIds: intTensorFromRows([[12, 7, 31, 45], [88, 5, 0, 0]]), attentionMask: intTensorFromRows([[1, 1, 1, 1], [1, 1, 0, 0]]) };
  const prefix = { inputIds: intTensorFromRows([[0, 17, 23], [0, 40, 3]]), attentionMask: intTensorFromRows([[1, 1, 1], [1, 1, 1]]) };

  it('cuts both token-embedding lookups (after the embedding scale): from embeddings it gives the logits of the export', async () => {
    const files = onnxFiles();
    const joined = joinSeq2SeqForEmbeds(encoder, decoder);
    expect(joined.model.graph.inputs.map((input) => input.name)).not.toContain('encoder_hidden_states');
    expect(joined.embedScales).toEqual({ encoder: embedScale, decoder: embedScale });
    // No Gather of ids and no scale Mul is left before the fed embeddings: nothing reads the scale constant.
    const readsScale = (node: IrModel['graph']['nodes'][number]) => node.inputs.some((input) => input.endsWith('const_embed_scale'));
    expect(encoder.graph.nodes.some(readsScale)).toBe(embedScale !== 1);
    expect(joined.model.graph.nodes.filter(readsScale)).toEqual([]);
    const session = await ort.InferenceSession.create(encodeOnnxModel(joined.model));
    const [encoderEmbeds, decoderEmbeds] = [await tfjs.embed(source.inputIds, 'encoder'), await tfjs.embed(prefix.inputIds)];
    const feeds: Record<string, ort.Tensor> = {
      [joined.encoderIdsInput]: int64(source.inputIds.data, [2, 4]),
      [joined.encoderMaskInput]: int64(source.attentionMask.data, [2, 4]),
      input_ids: int64(prefix.inputIds.data, [2, 3]),
      [joined.encoderEmbedsInput]: new ort.Tensor('float32', encoderEmbeds.data, [...encoderEmbeds.shape]),
      [joined.decoderEmbedsInput]: new ort.Tensor('float32', decoderEmbeds.data, [...decoderEmbeds.shape]),
      use_cache_branch: new ort.Tensor('bool', Uint8Array.of(0), [1]),
    };
    const config = tfjs.config;
    const headDim = config.hiddenSize / config.numHeads;
    for (const input of session.inputNames.filter((n) => n.startsWith('past_key_values'))) feeds[input] = new ort.Tensor('float32', new Float32Array(0), [2, config.numHeads, 0, headDim]);
    const picked = Object.fromEntries(session.inputNames.map((n) => [n, feeds[n]]));
    const logits = (await session.run(picked))[joined.logitsOutput].data as Float32Array;
    const plain = await ort.InferenceSession.create(files['onnx/encoder_model.onnx']);
    const states = (await plain.run({ input_ids: int64(source.inputIds.data, [2, 4]), attention_mask: int64(source.attentionMask.data, [2, 4]) })).last_hidden_state;
    const plainDecoder = await ort.InferenceSession.create(files[merged ? 'onnx/decoder_model_merged.onnx' : 'onnx/decoder_model.onnx']);
    const decoderFeeds: Record<string, ort.Tensor> = { ...feeds, encoder_hidden_states: states, encoder_attention_mask: int64(source.attentionMask.data, [2, 4]) };
    const expected = (await plainDecoder.run(Object.fromEntries(plainDecoder.inputNames.map((n) => [n, decoderFeeds[n]])))).logits.data as Float32Array;
    expect(relativeError(logits, expected)).toBeLessThan(1e-5);
    await Promise.all([session.release(), plain.release(), plainDecoder.release()]);
  });

  // Entropy (a target that reads every logit) on one family: the model's backward graph is the
  // same for any target, and each extra gradient graph costs ORT ~0.5 s to load.
  it.each(name === 'marian' ? (['probability', 'entropy'] as const) : (['probability'] as const))('d %s / d embeddings of both sides equals the tfjs backend on the same weights', async (fnName) => {
    const fn = builtinStepFunctions.find((f) => f.name === fnName)!;
    const targetIds = Int32Array.of(4, 11);
    const [encoderEmbeds, decoderEmbeds] = [await tfjs.embed(source.inputIds, 'encoder'), await tfjs.embed(prefix.inputIds)];
    const expected = await tfjs.gradients!({
      ...prefix,
      inputsEmbeds: decoderEmbeds,
      encoder: { ...source, inputsEmbeds: encoderEmbeds },
      targetIds,
      target: fn.differentiable!,
    });
    const target = recordOnnxTarget(fn.differentiable!, 'target/logits', tfjs.config.vocabSize, targetIds, undefined, { opsetVersion: 17 });
    const built = buildSeq2SeqGradientModel(encoder, decoder, target);
    const session = await ort.InferenceSession.create(encodeOnnxModel(built.model), { graphOptimizationLevel: 'all' });
    const config = tfjs.config;
    const headDim = config.hiddenSize / config.numHeads;
    const feeds: Record<string, ort.Tensor> = {
      [built.encoderIdsInput]: int64(source.inputIds.data, [2, 4]),
      [built.encoderMaskInput]: int64(source.attentionMask.data, [2, 4]),
      input_ids: int64(prefix.inputIds.data, [2, 3]),
      [built.encoderEmbedsInput]: new ort.Tensor('float32', encoderEmbeds.data, [...encoderEmbeds.shape]),
      [built.decoderEmbedsInput]: new ort.Tensor('float32', decoderEmbeds.data, [...decoderEmbeds.shape]),
      [built.seedInput]: new ort.Tensor('float32', Float32Array.of(1, 1), [2]),
      use_cache_branch: new ort.Tensor('bool', Uint8Array.of(0), [1]),
    };
    for (const input of session.inputNames.filter((n) => n.startsWith('past_key_values'))) feeds[input] = new ort.Tensor('float32', new Float32Array(0), [2, config.numHeads, 0, headDim]);
    for (const f of target.feeds) feeds[f.name] = new ort.Tensor('float32', f.data, [...f.dims]);
    const out = await session.run(Object.fromEntries(session.inputNames.map((n) => [n, feeds[n]])));
    const values = out[built.valueOutput].data as Float32Array;
    for (let b = 0; b < 2; b++) expect(Math.abs(values[b] - expected.targetValues[b])).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected.targetValues[b])));
    const decoderError = relativeError(out[built.gradientOutput].data as Float32Array, expected.gradients.data);
    const encoderError = relativeError(out[built.encoderGradientOutput].data as Float32Array, expected.encoderGradients!.data);
    console.info(`${name} ${fnName}: decoder ${decoderError.toExponential(2)}, encoder ${encoderError.toExponential(2)} (max |Δ| / max |tfjs|)`);
    expect(decoderError).toBeLessThan(1e-4);
    expect(encoderError).toBeLessThan(1e-4);
    await session.release();
  });
});
