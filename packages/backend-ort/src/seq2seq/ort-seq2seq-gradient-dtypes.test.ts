import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyMarian, encodeOnnxModel, marianDecoderOnnxSpec, marianEncoderOnnxSpec, quantizeDynamicOnnxModel, toFloat16OnnxModel } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDequantizedWeights, withFloat16RoundedWeights } from '../autodiff/upcast-test-support.test-support';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const { weights, config, files: safetensorsFolder } = createTinyMarian();
const { 'model.safetensors': _, ...folder } = safetensorsFolder;
const encoder = marianEncoderOnnxSpec(weights, config);
const decoder = marianDecoderOnnxSpec(weights, config);
const prompts = ['The cat sat on the mat', 'A dog'];
const options = (method: string, attributionArgs: Readonly<Record<string, unknown>>) => ({ method, methods, generatedTexts: ['Le chat est', 'Un'], attributeTarget: true, attributionArgs });
const cases = [
  ['saliency', {}],
  ['integrated_gradients', { n_steps: 6 }],
  ['layer_integrated_gradients', { n_steps: 4, target_layer: 'model.encoder.layers.1' }],
  ['layer_gradient_x_activation', { target_layer: 'model.decoder.layers.0.fc2' }],
] as const;

/** Largest |a − b| over the positions where `b` is finite, relative to the largest |b|, over both sides of every sequence. */
async function difference(a: AttributionModel, b: AttributionModel, method: string, args: Readonly<Record<string, unknown>>): Promise<number> {
  const [x, y] = [await attribute(a, prompts, options(method, args)), await attribute(b, prompts, options(method, args))];
  let worst = 0;
  for (const [i, sequence] of x.sequence_attributions.entries()) {
    for (const side of ['source_attributions', 'target_attributions'] as const) {
      const got = sequence[side]!.data;
      const want = y.sequence_attributions[i][side]!.data;
      const scale = Math.max(0, ...Array.from(want).filter(Number.isFinite).map(Math.abs));
      if (scale === 0) continue;
      let diff = 0;
      want.forEach((v, k) => {
        if (Number.isFinite(v)) diff = Math.max(diff, Math.abs(got[k] - v));
        else expect(got[k]).toBeNaN();
      });
      worst = Math.max(worst, diff / scale);
    }
  }
  return worst;
}

async function modelOf(graphs: Record<string, Uint8Array>, dtype: 'fp32' | 'fp16' | 'q8' | 'bnb4', name: string): Promise<AttributionModel> {
  const memory = memoryModelFiles({ ...folder, ...graphs }, name);
  return { name, backend: await loadOrtBackend(memory, { dtype, intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(memory) };
}

describe('gradients and layers of encoder-decoder exports other than fp32, computed in float32 (Marian)', () => {
  const models: Record<string, AttributionModel> = {};
  beforeAll(async () => {
    models.fp16 = await modelOf(
      { 'onnx/encoder_model_fp16.onnx': encodeOnnxModel(toFloat16OnnxModel(encoder)), 'onnx/decoder_model_fp16.onnx': encodeOnnxModel(toFloat16OnnxModel(decoder)) },
      'fp16',
      'marian-fp16',
    );
    // The independent references: fp32 exports of the fp16-rounded and of the dequantized weights.
    models.rounded = await modelOf(
      { 'onnx/encoder_model.onnx': encodeOnnxModel(withFloat16RoundedWeights(encoder)), 'onnx/decoder_model.onnx': encodeOnnxModel(withFloat16RoundedWeights(decoder)) },
      'fp32',
      'marian-rounded',
    );
    // The writer's linears read Transpose(W) (folded by ONNX Runtime), so quantize_dynamic's MatMul
    // pattern finds no weight: the 8-bit part is the embedding tables (Gather → DequantizeLinear).
    const quantize = (spec: typeof encoder) => quantizeDynamicOnnxModel(spec, { weightType: 'int8', gather: 'after' });
    const [qEncoder, qDecoder] = [quantize(encoder), quantize(decoder)];
    models.q8 = await modelOf({ 'onnx/encoder_model_quantized.onnx': encodeOnnxModel(qEncoder), 'onnx/decoder_model_quantized.onnx': encodeOnnxModel(qDecoder) }, 'q8', 'marian-q8');
    models.dequantized = await modelOf(
      { 'onnx/encoder_model.onnx': encodeOnnxModel(withDequantizedWeights(encoder, qEncoder)), 'onnx/decoder_model.onnx': encodeOnnxModel(withDequantizedWeights(decoder, qDecoder)) },
      'fp32',
      'marian-dequantized',
    );
  });
  afterAll(async () => {
    for (const model of Object.values(models)) await model.backend.dispose();
  });

  it('offers gradients and layers on fp16 and q8', () => {
    for (const name of ['fp16', 'q8']) {
      expect(models[name].backend.capabilities, name).toMatchObject({ gradients: true, embeddingInputs: true, layerActivations: true });
      expect(models[name].backend.capabilityNotes, name).toBeUndefined();
    }
  });

  it.each(cases)('%s of the fp16 export equals the fp32 export of the fp16-rounded weights', async (method, args) => {
    const error = await difference(models.fp16, models.rounded, method, args);
    console.info(`marian fp16 ${method}: ${error.toExponential(2)} (vs fp32 of the rounded weights)`);
    expect(error).toBeLessThan(1e-4);
  });

  it.each(cases)('%s of the q8 export equals the fp32 export of the dequantized weights', async (method, args) => {
    const error = await difference(models.q8, models.dequantized, method, args);
    console.info(`marian q8 ${method}: ${error.toExponential(2)} (vs fp32 of the dequantized weights)`);
    expect(error).toBeLessThan(1e-4);
  });

  it('bnb4 exports load for forward passes and say why gradient and layer methods cannot run', async () => {
    // Any graph will do: the refusal is by dtype, before the graph is looked at.
    const bnb4 = await modelOf({ 'onnx/encoder_model_bnb4.onnx': encodeOnnxModel(encoder), 'onnx/decoder_model_bnb4.onnx': encodeOnnxModel(decoder) }, 'bnb4', 'marian-bnb4');
    try {
      expect(bnb4.backend.capabilities).toMatchObject({ gradients: false, layerActivations: false });
      expect(bnb4.backend.capabilityNotes?.gradients).toMatch(/bnb4 exports .*MatMulBnb4.* are not differentiated; load dtype 'fp32', 'fp16', 'q8'/);
      expect(bnb4.backend.capabilityNotes?.layerActivations).toMatch(/layer methods need the gradient model, and bnb4 exports/);
      const run = attribute(bnb4, 'The cat', { method: 'saliency', methods, generatedTexts: 'Le chat' });
      await expect(run).rejects.toMatchObject({ name: 'MissingCapabilityError' });
      await expect(run).rejects.toThrow(/bnb4/);
    } finally {
      await bnb4.backend.dispose();
    }
  });
});
