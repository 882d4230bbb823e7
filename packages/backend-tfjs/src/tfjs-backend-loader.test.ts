import { createRegistry, type BackendLoader, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { tfjsBackendLoader } from './tfjs-backend-loader';

const tiny = createTinyGpt2();
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('tfjsBackendLoader', () => {
  it('registers as tfjs and can load the tiny GPT-2', async () => {
    const registry = createRegistry<BackendLoader>('backend').register(tfjsBackendLoader);
    expect(registry.list()).toEqual(['tfjs']);
    const files = memoryModelFiles(tiny.files, 'tiny');
    expect(await tfjsBackendLoader.canLoad(files)).toBe(true);
    const backend = await tfjsBackendLoader.load(files, { device: 'wasm' });
    expect(backend.name).toBe('tfjs');
    expect(backend.config).toMatchObject({ modelType: 'gpt2', hiddenSize: 32, numLayers: 2, numHeads: 4, maxPositions: 64 });
    await backend.dispose();
  });

  it('says why it cannot load a folder', async () => {
    const { 'model.safetensors': _weights, ...noWeights } = tiny.files;
    expect(await tfjsBackendLoader.canLoad(memoryModelFiles(noWeights, 'f'))).toMatch(/^f has no model.safetensors nor model.safetensors.index.json \(files found: config.json, /);
    expect(await tfjsBackendLoader.canLoad(memoryModelFiles({ 'model.safetensors': new Uint8Array(8) }, 'f'))).toBe('f has no config.json');
    const falcon = memoryModelFiles({ ...tiny.files, 'config.json': json({ model_type: 'falcon' }) });
    expect(await tfjsBackendLoader.canLoad(falcon)).toMatch(/model_type "falcon" .*supported: gpt2, llama, mistral, qwen2, gemma/);
    const broken = memoryModelFiles({ ...tiny.files, 'config.json': '{' }, 'f');
    expect(await tfjsBackendLoader.canLoad(broken)).toMatch(/f\/config.json is not valid JSON/);
  });
});
