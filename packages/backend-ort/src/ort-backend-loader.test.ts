import { memoryModelFiles } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { ortBackendLoader } from './ort-backend-loader';

const files = tinyGpt2OnnxFiles();

describe('ortBackendLoader', () => {
  it('can load a gpt2 folder with onnx/model.onnx and loads it as ort', async () => {
    expect(ortBackendLoader.name).toBe('ort');
    const folder = memoryModelFiles(files, 'tiny');
    expect(await ortBackendLoader.canLoad(folder)).toBe(true);
    const backend = await ortBackendLoader.load(folder);
    expect(backend.name).toBe('ort');
    await backend.dispose();
  });

  it('says what is missing or unsupported', async () => {
    const { 'onnx/model.onnx': _, ...noOnnx } = files;
    expect(await ortBackendLoader.canLoad(memoryModelFiles(noOnnx, 'tiny'))).toBe('tiny has no onnx/model.onnx');
    const { 'config.json': __, ...noConfig } = files;
    expect(await ortBackendLoader.canLoad(memoryModelFiles(noConfig, 'tiny'))).toBe('tiny has no config.json');
    const llama = { ...files, 'config.json': new TextEncoder().encode(JSON.stringify({ model_type: 'llama' })) };
    expect(await ortBackendLoader.canLoad(memoryModelFiles(llama, 'tiny'))).toMatch(/model_type "llama" is not supported by the ort backend/);
    const broken = { ...files, 'config.json': new TextEncoder().encode('{') };
    expect(await ortBackendLoader.canLoad(memoryModelFiles(broken, 'tiny'))).toMatch(/tiny\/config.json is not valid JSON/);
  });
});
