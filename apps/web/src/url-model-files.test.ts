import { type StaticServer, startStaticServer } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobModelFiles } from './blob-model-files';
import { urlModelFiles } from './url-model-files';

describe('urlModelFiles', () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer({ '/models/m/config.json': '{"model_type":"gpt2"}', '/models/m/onnx/model.onnx': new Uint8Array([1, 2]) });
  });
  afterAll(() => server?.close());

  it('fetches files relative to the folder URL, once each, and treats 404 as absent', async () => {
    const files = urlModelFiles(server.url('/models/m'));
    expect(files.location).toBe(server.url('/models/m'));
    expect(await files.has('config.json')).toBe(true);
    expect(new TextDecoder().decode(await files.read('config.json'))).toBe('{"model_type":"gpt2"}');
    expect(await files.read('onnx/model.onnx')).toEqual(new Uint8Array([1, 2]));
    expect(await files.has('model.safetensors')).toBe(false);
    await expect(files.read('model.safetensors')).rejects.toThrow(/has no file 'model.safetensors'/);
    expect(server.requests.filter((path) => path === '/models/m/config.json')).toHaveLength(1);
  });
});

describe('blobModelFiles', () => {
  it('reads picked files by their path in the folder and names the folder in errors', async () => {
    const files = blobModelFiles({ 'config.json': new Blob(['{}']) }, 'my-model');
    expect(await files.has('config.json')).toBe(true);
    expect(await files.read('config.json')).toEqual(new TextEncoder().encode('{}'));
    expect(await files.has('tokenizer.json')).toBe(false);
    await expect(files.read('tokenizer.json')).rejects.toThrow(/my-model has no file 'tokenizer.json'/);
  });
});
