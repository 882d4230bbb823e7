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

  it('takes a folder holding only an fp16 export and loads it with dtype fp16', async () => {
    const fp16 = tinyGpt2OnnxFiles({ onnxDtypes: ['fp16'] });
    expect(Object.keys(fp16)).not.toContain('onnx/model.onnx');
    const folder = memoryModelFiles(fp16, 'tiny-fp16');
    expect(await ortBackendLoader.canLoad(folder)).toBe(true);
    expect(ortBackendLoader.dtypes).toContain('fp16');
    const backend = await ortBackendLoader.load(folder, { dtype: 'fp16' });
    expect(backend.name).toBe('ort');
    await backend.dispose();
    await expect(ortBackendLoader.load(folder)).rejects.toThrow(/model_fp16.onnx/);
  });

  it('says what is missing or unsupported', async () => {
    const { 'onnx/model.onnx': _, ...noOnnx } = files;
    expect(await ortBackendLoader.canLoad(memoryModelFiles(noOnnx, 'tiny'))).toMatch(/^tiny has no decoder-only ONNX export \(looked for onnx\/model.onnx, onnx\/decoder_model_merged.onnx, model.onnx, .*it has no ONNX file$/);
    const { 'config.json': __, ...noConfig } = files;
    expect(await ortBackendLoader.canLoad(memoryModelFiles(noConfig, 'tiny'))).toBe('tiny has no config.json');
    const falcon = { ...files, 'config.json': new TextEncoder().encode(JSON.stringify({ model_type: 'falcon' })) };
    expect(await ortBackendLoader.canLoad(memoryModelFiles(falcon, 'tiny'))).toMatch(/model_type "falcon" is not supported by the ort backend \(supported: gpt2, llama/);
    const pickleOnly = { 'config.json': files['config.json'], 'tokenizer.json': files['tokenizer.json'], 'pytorch_model.bin': new Uint8Array(8) };
    const pickleVerdict = await ortBackendLoader.canLoad(memoryModelFiles(pickleOnly, 'tiny'));
    expect(pickleVerdict).toMatch(/it has no ONNX file\. tiny holds its weights only as PyTorch pickle \(pytorch_model\.bin\)/);
    expect(pickleVerdict).toMatch(/arbitrary code/);
    expect(pickleVerdict).toMatch(/optimum-cli export onnx/);
    const broken = { ...files, 'config.json': new TextEncoder().encode('{') };
    expect(await ortBackendLoader.canLoad(memoryModelFiles(broken, 'tiny'))).toMatch(/tiny\/config.json is not valid JSON/);
  });
});
