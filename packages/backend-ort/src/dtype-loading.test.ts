import { type ModelBackend, intTensorFromRows, memoryModelFiles, padLeft } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';

const { config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const padId = vocab - 1;
const prompts = [
  [464, 262, 286, 318, 13, 1000],
  [40, 41, 42],
];
const batch = padLeft(prompts, padId);

/** Largest |a - b| and the largest |b|, so a tolerance can be read relative to the logits' range. */
function compare(actual: Float32Array, expected: Float32Array): { diff: number; scale: number } {
  return { diff: maxAbsDiff(actual, expected), scale: expected.reduce((high, value) => Math.max(high, Math.abs(value)), 0) };
}

describe('loadOrtBackend dtypes', () => {
  const files = memoryModelFiles(tinyGpt2OnnxFiles({ onnxDtypes: ['fp32', 'fp16', 'q8'] }), 'tiny-gpt2-onnx');
  const backends: Partial<Record<'fp32' | 'fp16' | 'q8', ModelBackend>> = {};
  let fp32Logits: Float32Array;
  beforeAll(async () => {
    for (const dtype of ['fp32', 'fp16', 'q8'] as const) backends[dtype] = await loadOrtBackend(files, { dtype, intraOpNumThreads: 1 });
    fp32Logits = (await backends.fp32!.forward({ ...batch, logitsAt: 'all' })).logits.data;
  });
  afterAll(async () => {
    for (const backend of Object.values(backends)) await backend?.dispose();
  });

  it("fp16 (model_fp16.onnx): float16 logits read as float32, within 1e-2 of fp32's range", async () => {
    const { logits } = await backends.fp16!.forward({ ...batch, logitsAt: 'all' });
    expect(logits.data).toBeInstanceOf(Float32Array);
    const { diff, scale } = compare(logits.data, fp32Logits);
    // Measured 4.8e-3 absolute (logits within ±5.2): float16 rounding of weights and output only.
    expect(diff / scale).toBeLessThan(1e-2);
  });

  it('fp16: embeddings come from the float16 wte initializer', async () => {
    const full = await backends.fp32!.embed(intTensorFromRows([[3, 7]]));
    const half = await backends.fp16!.embed(intTensorFromRows([[3, 7]]));
    expect(half.shape).toEqual(full.shape);
    // float16 keeps 11 significant bits.
    expect(maxAbsDiff(half.data, full.data)).toBeLessThan(2 ** -11 * 2);
  });

  it('q8 (model_quantized.onnx): dynamically quantized MatMuls stay near fp32', async () => {
    const { logits } = await backends.q8!.forward({ ...batch, logitsAt: 'all' });
    const { diff } = compare(logits.data, fp32Logits);
    // Measured 0.187 (logits within ±5.2): per-tensor 8-bit weights and activations at hidden size 32.
    expect(diff).toBeLessThan(0.25);
  });

  it('greedy generation with the fp16 KV-cache export gives the fp32 tokens', async () => {
    const cached = memoryModelFiles(tinyGpt2OnnxFiles({ onnxDtypes: ['fp32', 'fp16'], withPast: true }), 'tiny-gpt2-onnx-past');
    const [full, half] = await Promise.all([
      loadOrtBackend(cached, { intraOpNumThreads: 1 }),
      loadOrtBackend(cached, { dtype: 'fp16', intraOpNumThreads: 1 }),
    ]);
    try {
      const options = { maxNewTokens: 8, stopIds: [], padId };
      const expected = await full.generate!(prompts, options);
      expect(await half.generate!(prompts, options)).toEqual(expected);
      expect(expected[0].length).toBe(prompts[0].length + 8);
    } finally {
      await Promise.all([full.dispose(), half.dispose()]);
    }
  });
});

describe('loadOrtBackend dtype errors', () => {
  const files = tinyGpt2OnnxFiles({ onnxDtypes: ['fp32', 'q8'] });

  it('rejects an unknown dtype, listing the valid ones', async () => {
    await expect(loadOrtBackend(memoryModelFiles(files), { dtype: 'fp8' as never })).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/Unknown dtype "fp8"; valid dtypes: fp32 \(onnx\/model\.onnx\), fp16 \(onnx\/model_fp16\.onnx\), q8 .*bnb4/),
    });
  });

  it('names the missing file of the asked dtype and lists the exports the folder has', async () => {
    await expect(loadOrtBackend(memoryModelFiles(files, 'folder'), { dtype: 'fp16' })).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'MODEL_LOAD',
      message: expect.stringMatching(
        /folder has no decoder-only ONNX export for dtype 'fp16'; looked for transformers.js \(onnx\/model_fp16\.onnx, onnx\/decoder_model_merged_fp16\.onnx\), .*\(model_fp16\.onnx, .*It has onnx\/model\.onnx, onnx\/model_quantized\.onnx; exports of other dtypes/,
      ),
    });
  });

  it('says so when the folder has no ONNX model at all', async () => {
    const { 'onnx/model.onnx': _, 'onnx/model_quantized.onnx': __, ...rest } = files;
    await expect(loadOrtBackend(memoryModelFiles(rest, 'folder'))).rejects.toMatchObject({
      name: 'ModelLoadError',
      message: expect.stringMatching(/folder has no decoder-only ONNX export for dtype 'fp32'.*It has no ONNX file at all/),
    });
  });
});
