import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionMethod, type AttributionModel, type ModelBackend, attribute, createRegistry, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, encodeOnnxModel, gpt2OnnxModelSpec, quantizeDynamicOnnxModel, tinyGpt2OnnxFiles, toFloat16OnnxModel } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDequantizedWeights, withFloat16RoundedWeights } from '../autodiff/upcast-test-support.test-support';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const { weights, config } = createTinyGpt2();
const spec = gpt2OnnxModelSpec(weights, config, {});
/** config.json, tokenizer files; the ONNX exports are added per test. */
const { 'onnx/model.onnx': _, ...folder } = tinyGpt2OnnxFiles();
const prompts = ['the cat', 'a'];
const continuations = ['the cat sat on', 'a dog'];
const cases = [
  ['saliency', {}],
  ['input_x_gradient', {}],
  ['integrated_gradients', { n_steps: 8, return_convergence_delta: true }],
] as const;

/** Largest |a − b| over the positions where `b` is finite, relative to the largest |b| (the step's scale). */
function relativeDifference(got: Float32Array, want: Float32Array): number {
  const scale = Math.max(...Array.from(want).filter(Number.isFinite).map(Math.abs));
  let worst = 0;
  for (let k = 0; k < want.length; k++) if (Number.isFinite(want[k])) worst = Math.max(worst, Math.abs(got[k] - want[k]));
  expect(scale).toBeGreaterThan(0);
  return worst / scale;
}

/** Target attributions of `method` on both models, sequence by sequence, as relative differences. */
async function differences(a: AttributionModel, b: AttributionModel, method: string, attributionArgs: Readonly<Record<string, unknown>>): Promise<number[]> {
  const options = { method, methods, generatedTexts: continuations, attributionArgs };
  const [x, y] = [await attribute(a, prompts, options), await attribute(b, prompts, options)];
  const out = x.sequence_attributions.map((sequence, i) => relativeDifference(sequence.target_attributions!.data, y.sequence_attributions[i].target_attributions!.data));
  return out;
}

async function modelOf(files: Record<string, Uint8Array>, dtype: 'fp32' | 'fp16' | 'q8' | 'bnb4', name: string): Promise<AttributionModel> {
  const memory = memoryModelFiles(files, name);
  return { name, backend: await loadOrtBackend(memory, { dtype, intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(memory) };
}

describe('gradients of an fp16 export, computed in float32', () => {
  const models: Record<string, AttributionModel> = {};
  beforeAll(async () => {
    const files = {
      ...folder,
      'onnx/model_fp16.onnx': encodeOnnxModel(toFloat16OnnxModel(spec)),
      // The independent reference: an fp32 export of the fp16-rounded weights.
      'onnx/model.onnx': encodeOnnxModel(withFloat16RoundedWeights(spec)),
    };
    models.fp16 = await modelOf(files, 'fp16', 'tiny-gpt2-fp16');
    models.rounded = await modelOf(files, 'fp32', 'tiny-gpt2-rounded');
  });
  afterAll(async () => {
    for (const model of Object.values(models)) await model.backend.dispose();
  });

  it('offers gradients', () => {
    expect(models.fp16.backend.capabilities.gradients).toBe(true);
    expect(models.fp16.backend.capabilityNotes?.gradients).toBeUndefined();
  });

  it.each(cases)('%s equals the fp32 export of the fp16-rounded weights', async (method, attributionArgs) => {
    for (const difference of await differences(models.fp16, models.rounded, method, attributionArgs)) expect(difference).toBeLessThan(1e-4);
  });

  it.each(cases)('%s is within the float16 constants of tfjs on fp16-stored safetensors', async (method, attributionArgs) => {
    const tiny = createTinyGpt2({ dtype: 'F16' });
    const tfjs: AttributionModel = { name: 'tiny-gpt2-f16', backend: await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2-f16')), tokenizer: models.fp16.tokenizer };
    try {
      const worst = Math.max(...(await differences(models.fp16, tfjs, method, attributionArgs)));
      // Measured 9.2e-5 (saliency), 6.4e-5 (input_x_gradient), 5.5e-5 (IG): the same weights, but the
      // export also rounds its graph constants (sqrt(head_dim), GELU's 0.044715 and sqrt(2/pi)) to
      // float16, which tfjs keeps exact. Against the fp32 export of the same values: 0 (bit-identical).
      expect(worst).toBeLessThan(2e-4);
    } finally {
      await tfjs.backend.dispose();
    }
  });

  it('an export with external data (model_fp16.onnx_data): float16 weights read from the data file, the same saliency', async () => {
    const external = await modelOf({ ...folder, ...tinyGpt2OnnxFiles({ onnxDtypes: ['fp16'], externalData: true }) }, 'fp16', 'tiny-gpt2-fp16-external');
    try {
      expect(external.backend.capabilities.gradients).toBe(true);
      for (const difference of await differences(external, models.fp16, 'saliency', {})) expect(difference).toBe(0);
    } finally {
      await external.backend.dispose();
    }
  });

  it('a KV-cache export (float16 past_key_values, fed empty as float16) gives the same saliency', async () => {
    const cached = await modelOf({ ...folder, ...tinyGpt2OnnxFiles({ onnxDtypes: ['fp16'], withPast: true }) }, 'fp16', 'tiny-gpt2-fp16-past');
    try {
      expect(cached.backend.capabilities.gradients).toBe(true);
      for (const difference of await differences(cached, models.fp16, 'saliency', {})) expect(difference).toBeLessThan(1e-5);
    } finally {
      await cached.backend.dispose();
    }
  });
});

describe('gradients of a dynamically quantized (q8) export: the float model of its dequantized weights', () => {
  const models: Record<string, AttributionModel> = {};
  beforeAll(async () => {
    const quantized = quantizeDynamicOnnxModel(spec);
    models.q8 = await modelOf({ ...folder, 'onnx/model_quantized.onnx': encodeOnnxModel(quantized) }, 'q8', 'q8');
    models.dequantized = await modelOf({ ...folder, 'onnx/model.onnx': encodeOnnxModel(withDequantizedWeights(spec, quantized)) }, 'fp32', 'dequantized');
    models.fp32 = await modelOf({ ...folder, 'onnx/model.onnx': encodeOnnxModel(spec) }, 'fp32', 'fp32');
  });
  afterAll(async () => {
    for (const model of Object.values(models)) await model.backend.dispose();
  });

  it.each(cases)('%s equals the fp32 export of the dequantized weights', async (method, attributionArgs) => {
    expect(models.q8.backend.capabilities.gradients).toBe(true);
    for (const difference of await differences(models.q8, models.dequantized, method, attributionArgs)) expect(difference).toBeLessThan(1e-4);
  });

  it('with an 8-bit embedding table (Gather → DequantizeLinear): input_x_gradient uses the dequantized rows on both sides', async () => {
    const quantized = quantizeDynamicOnnxModel(spec, { weightType: 'int8', gather: 'after' });
    const reference = encodeOnnxModel(withDequantizedWeights(spec, quantized));
    const [q8, dequantized] = [
      await modelOf({ ...folder, 'onnx/model_quantized.onnx': encodeOnnxModel(quantized) }, 'q8', 'q8-gather'),
      await modelOf({ ...folder, 'onnx/model.onnx': reference }, 'fp32', 'dequantized-gather'),
    ];
    try {
      for (const difference of await differences(q8, dequantized, 'input_x_gradient', {})) expect(difference).toBeLessThan(1e-4);
    } finally {
      await Promise.all([q8.backend.dispose(), dequantized.backend.dispose()]);
    }
  });

  it('differs from the fp32 model by about the 8-bit weight error', async () => {
    const worst = Math.max(...(await differences(models.q8, models.fp32, 'saliency', {})));
    // Measured 3.2e-2 and 1.8e-2 (the two sequences) relative to the step's largest value: per-tensor
    // 8-bit weights at hidden size 32 (the logits differ by 3.6e-2 of their range, dtype-loading.test.ts).
    expect(worst).toBeGreaterThan(1e-3);
    expect(worst).toBeLessThan(0.1);
  });
});

describe('dtypes without gradients', () => {
  let backend: ModelBackend | undefined;
  afterAll(async () => {
    await backend?.dispose();
  });

  it('bnb4 loads for forward passes and says why gradient methods cannot run', async () => {
    // Any graph will do: the refusal is by dtype, before the graph is looked at.
    backend = (await modelOf({ ...folder, 'onnx/model_bnb4.onnx': encodeOnnxModel(spec) }, 'bnb4', 'bnb4')).backend;
    expect(backend.capabilities.gradients).toBe(false);
    expect(backend.capabilityNotes?.gradients).toMatch(/bnb4 exports .*MatMulBnb4.* are not differentiated; load dtype 'fp32', 'fp16', 'q8'/);
  });
});
