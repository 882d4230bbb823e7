import { type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff, referenceGpt2Forward, tinyGpt2MergedOnnxFiles, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';
import { ortBackendLoader } from './ort-backend-loader';

// Decoder-only GPT-2 exports in the layouts found on the Hub, against the float64 reference, the
// plain transformers.js export (onnx/model.onnx) and an uncached greedy loop.
const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const hidden = config.n_embd as number;
const pad = vocab - 1;
const rows = [
  [464, 262, 286, 318, 13, 100],
  [pad, pad, pad, 40, 41, 42],
  [464, 262, 286, 318, 77, 100],
];
const mask = rows.map((row) => row.map((id, i) => (id === pad && i < 3 ? 0 : 1)));
const batch = { inputIds: intTensorFromRows(rows), attentionMask: intTensorFromRows(mask) };
const root = (files: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name.replace(/^onnx\//, ''), bytes]));

/** Greedy decoding by hand over `forward` on the whole prefix (no cache). */
async function greedyOverForward(backend: ModelBackend, prompt: number[], steps: number): Promise<number[]> {
  const ids = [...prompt];
  for (let step = 0; step < steps; step++) {
    const { logits } = await backend.forward({ inputIds: intTensorFromRows([ids]), attentionMask: intTensorFromRows([ids.map(() => 1)]) });
    ids.push(logits.data.indexOf(Math.max(...logits.data)));
  }
  return ids;
}

const layouts: [string, Record<string, Uint8Array>, { generate: boolean }][] = [
  ['transformers.js onnx/decoder_model_merged.onnx (If on use_cache_branch)', tinyGpt2MergedOnnxFiles(), { generate: true }],
  ['Optimum root decoder_model_merged.onnx', tinyGpt2MergedOnnxFiles({ folder: '' }), { generate: true }],
  ['Optimum root model.onnx (with past)', root(tinyGpt2OnnxFiles({ withPast: true })), { generate: true }],
  ['Optimum root decoder_model.onnx (no past, present outputs)', (() => {
    const { 'decoder_model_merged.onnx': _m, 'decoder_with_past_model.onnx': _p, ...rest } = tinyGpt2MergedOnnxFiles({ folder: '', parts: true });
    return rest;
  })(), { generate: false }],
];

describe.each(layouts)('GPT-2 export: %s', (_, files, expected) => {
  let backend: ModelBackend;
  let plain: ModelBackend;
  beforeAll(async () => {
    backend = await loadOrtBackend(memoryModelFiles(files, 'layout'), { intraOpNumThreads: 1 });
    plain = await loadOrtBackend(memoryModelFiles(tinyGpt2OnnxFiles(), 'plain'), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await backend?.dispose();
    await plain?.dispose();
  });

  it('is found by canLoad and gives the reference logits of a left-padded batch (and the plain export, <= 1e-5)', async () => {
    expect(await ortBackendLoader.canLoad(memoryModelFiles(files, 'layout'))).toBe(true);
    const all = await backend.forward({ ...batch, logitsAt: 'all' });
    const reference = referenceGpt2Forward(weights, config, rows, mask).logits;
    const real = (data: ArrayLike<number>) => Float64Array.from(mask.flatMap((row, b) => row.flatMap((m, s) => (m ? Array.from({ length: vocab }, (_, v) => data[(b * 6 + s) * vocab + v]) : []))));
    expect(maxAbsDiff(real(all.logits.data), real(reference))).toBeLessThan(1e-4);
    const last = await backend.forward(batch);
    expect(maxAbsDiff(last.logits.data, Float64Array.from((await plain.forward(batch)).logits.data))).toBeLessThanOrEqual(1e-5);
  });

  it(expected.generate ? 'generates with the KV cache as uncached greedy decoding' : 'offers no cached generation', async () => {
    if (!expected.generate) {
      expect(backend.generate).toBeUndefined();
      return;
    }
    const generated = await backend.generate!([[464, 262, 286], [7]], { maxNewTokens: 6, stopIds: [], padId: pad });
    expect(generated).toEqual([await greedyOverForward(plain, [464, 262, 286], 6), await greedyOverForward(plain, [7], 6)]);
  });

  it('finds the embedding table by structure (inside the If branches for a merged decoder)', async () => {
    const wte = weights['transformer.wte.weight'].data;
    const out = await backend.embed(intTensorFromRows([[5, 0, 1000]]));
    expect(maxAbsDiff(out.data, Float64Array.from([5, 0, 1000].flatMap((id) => Array.from(wte.subarray(id * hidden, (id + 1) * hidden)))))).toBe(0);
  });
});

describe('GPT-2 If-merged float16 export (onnx/decoder_model_merged_fp16.onnx)', () => {
  it('loads by dtype, equals the plain fp16 export (<= 1e-5) and generates with the cache as without', async () => {
    const merged = await loadOrtBackend(memoryModelFiles(tinyGpt2MergedOnnxFiles({ fp16: true }), 'merged-fp16'), { dtype: 'fp16', intraOpNumThreads: 1 });
    const plain = await loadOrtBackend(memoryModelFiles(tinyGpt2OnnxFiles({ withPast: true, onnxDtypes: ['fp16'] }), 'plain-fp16'), { dtype: 'fp16', intraOpNumThreads: 1 });
    try {
      expect(maxAbsDiff((await merged.forward(batch)).logits.data, Float64Array.from((await plain.forward(batch)).logits.data))).toBeLessThanOrEqual(1e-5);
      const generated = await merged.generate!([[464, 262, 286]], { maxNewTokens: 5, stopIds: [], padId: pad });
      expect(generated).toEqual([await greedyOverForward(merged, [464, 262, 286], 5)]);
      // The float16 table, found behind the branch's Cast, as the plain fp16 export's.
      const ids = intTensorFromRows([[3, 7, 1000]]);
      expect(Array.from((await merged.embed(ids)).data)).toEqual(Array.from((await plain.embed(ids)).data));
    } finally {
      await merged.dispose();
      await plain.dispose();
    }
  });
});

describe('layout errors', () => {
  it('lists the ONNX files a folder has and the layouts looked for', async () => {
    const { 'onnx/decoder_model_merged.onnx': _m, 'onnx/decoder_model.onnx': _d, ...rest } = tinyGpt2MergedOnnxFiles({ parts: true });
    const error = await loadOrtBackend(memoryModelFiles(rest, 'folder')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ModelLoadError', code: 'MODEL_LOAD' });
    expect((error as Error).message).toMatch(/looked for transformers\.js \(onnx\/model\.onnx, onnx\/decoder_model_merged\.onnx\), Optimum and torch\.onnx\.export in the folder root \(model\.onnx, decoder_model_merged\.onnx, decoder_model\.onnx\)\. It has onnx\/decoder_with_past_model\.onnx\./);
    expect(await ortBackendLoader.canLoad(memoryModelFiles(rest, 'folder'))).toMatch(/it has onnx\/decoder_with_past_model\.onnx$/);
  });
});
