import { localModelFiles, memoryModelFiles } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';

const batch = { inputIds: { data: Int32Array.from([464, 262, 286, 318]), shape: [1, 4] }, attentionMask: { data: Int32Array.from([1, 1, 1, 1]), shape: [1, 4] } };

async function logitsOf(files: Parameters<typeof loadOrtBackend>[0], dtype: 'fp32' | 'fp16' = 'fp32', runtime: 'node' | 'web' = 'node') {
  const backend = await loadOrtBackend(files, { dtype, runtime, intraOpNumThreads: 1 });
  try {
    const { logits } = await backend.forward({ ...batch, logitsAt: 'all' });
    const embeds = await backend.embed(batch.inputIds);
    return { logits: logits.data, embeds: embeds.data };
  } finally {
    await backend.dispose();
  }
}

describe('external data', () => {
  const inline = tinyGpt2OnnxFiles({ onnxDtypes: ['fp32', 'fp16'] });
  const external = tinyGpt2OnnxFiles({ onnxDtypes: ['fp32', 'fp16'], externalData: true });
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'inseq-ort-external-'));
    for (const [name, bytes] of Object.entries(external)) {
      await mkdir(dirname(join(folder, name)), { recursive: true });
      await writeFile(join(folder, name), bytes);
    }
  });
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('the export keeps its weights in onnx/model.onnx_data and onnx/model_fp16.onnx_data', () => {
    expect(Object.keys(external).filter((name) => name.startsWith('onnx/')).sort()).toEqual([
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'onnx/model_fp16.onnx',
      'onnx/model_fp16.onnx_data',
    ]);
  });

  it('gives the same logits and embeddings as the inline export, in memory and from a local folder', async () => {
    for (const dtype of ['fp32', 'fp16'] as const) {
      const expected = await logitsOf(memoryModelFiles(inline), dtype);
      for (const files of [memoryModelFiles(external), await localModelFiles(folder)]) {
        const actual = await logitsOf(files, dtype);
        expect(actual.logits).toEqual(expected.logits);
        expect(actual.embeds).toEqual(expected.embeds);
      }
    }
  });

  it('in Node, ONNX Runtime reads a local model and its external data by path: the data file never passes through files.read', async () => {
    const local = await localModelFiles(folder);
    const read: string[] = [];
    const spied = { ...local, read: async (name: string) => {
      read.push(name);
      return local.read(name);
    } };
    const backend = await loadOrtBackend(spied, { intraOpNumThreads: 1 });
    try {
      const { logits } = await backend.forward({ ...batch, logitsAt: 'all' });
      // The embedding table lives in the data file: read on demand, as a byte range from disk.
      const embeds = await backend.embed(batch.inputIds);
      const expected = await logitsOf(memoryModelFiles(inline));
      expect(logits.data).toEqual(expected.logits);
      expect(embeds.data).toEqual(expected.embeds);
      expect(read.filter((name) => name.endsWith('.onnx_data'))).toEqual([]);
      expect(read).toContain('onnx/model.onnx');
    } finally {
      await backend.dispose();
    }
    // Without localPath (memory, browsers) the data file's bytes are handed to ONNX Runtime.
    const memory = memoryModelFiles(external);
    const memoryRead: string[] = [];
    const viaBytes = await loadOrtBackend({ ...memory, read: async (name: string) => {
      memoryRead.push(name);
      return memory.read(name);
    } }, { intraOpNumThreads: 1 });
    await viaBytes.dispose();
    expect(memoryRead).toContain('onnx/model.onnx_data');
  });

  it('loads on the web runtime too (onnxruntime-web takes the same externalData option)', async () => {
    const expected = await logitsOf(memoryModelFiles(inline), 'fp16', 'web');
    const actual = await logitsOf(memoryModelFiles(external), 'fp16', 'web');
    expect(actual.logits).toEqual(expected.logits);
  });

  it('names a missing data file and the model that references it', async () => {
    const { 'onnx/model.onnx_data': _, ...rest } = external;
    await expect(loadOrtBackend(memoryModelFiles(rest, 'folder'))).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'MODEL_LOAD',
      message: expect.stringMatching(/folder\/onnx\/model\.onnx stores its weights .* external data file 'model\.onnx_data', but folder has no onnx\/model\.onnx_data/),
    });
  });
});
