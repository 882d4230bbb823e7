import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ortBackendLoader } from '@inseq/backend-ort';
import { createGpt2Model, createTfjsBackendLoader, parseGpt2Config, tfjsArchitectures, tfjsBackendLoader } from '@inseq/backend-tfjs';
import { type BackendLoader, InseqError, createRegistry, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, tinyGpt2OnnxFiles, writeTinyGpt2 } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { installedBackends, loadModel } from './load-model';

const backends = () => createRegistry<BackendLoader>('backend').register(tfjsBackendLoader);

async function folderWith(mutate?: (files: Record<string, Uint8Array>) => void): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'inseq-model-'));
  const { files } = createTinyGpt2();
  mutate?.(files);
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(directory, name), bytes);
  return directory;
}

async function failure(promise: Promise<unknown>): Promise<InseqError> {
  try {
    await promise;
  } catch (error) {
    expect(InseqError.isInstance(error)).toBe(true);
    return error as InseqError;
  }
  throw new Error('expected an InseqError');
}

describe('loadModel', () => {
  it('loads a Hugging Face folder from disk with the backend that can load it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-model-'));
    await mkdir(join(directory, 'tiny'));
    await writeTinyGpt2(join(directory, 'tiny'));
    const model = await loadModel(join(directory, 'tiny'), { backends: backends() });
    expect(model.backend.name).toBe('tfjs');
    expect(model.name).toBe('tiny');
    expect(model.generationConfig?.maxNewTokens).toBeGreaterThan(0);
    expect(model.tokenizer.specialTokenIds.unk).toBe(model.backend.config.eosTokenId);
    await model.backend.dispose();
  });

  it('finds installed backend packages by itself', async () => {
    expect((await installedBackends()).list()).toEqual(['tfjs', 'ort']);
    const { files } = createTinyGpt2();
    const model = await loadModel(memoryModelFiles(files, 'tiny-gpt2'));
    expect(model.backend.name).toBe('tfjs');
    await model.backend.dispose();
  });

  it('explains a missing folder, config, tokenizer or weights', async () => {
    expect((await failure(loadModel('/no/such/folder'))).message).toContain('does not exist');
    const noConfig = await folderWith((files) => delete files['config.json']);
    expect((await failure(loadModel(noConfig, { backends: backends() }))).message).toMatch(/has no config.json/);
    const noTokenizer = await folderWith((files) => delete files['tokenizer.json']);
    expect((await failure(loadModel(noTokenizer, { backends: backends() }))).message).toMatch(/has no tokenizer.json/);
    const noWeights = await folderWith((files) => delete files['model.safetensors']);
    const error = await failure(loadModel(noWeights, { backends: backends() }));
    expect(error.message).toMatch(/No installed backend can load .*Tried tfjs: .*model.safetensors/);
    await rm(noWeights, { recursive: true });
  });

  it('rejects an unsupported architecture naming the supported ones', async () => {
    const folder = await folderWith((files) => {
      const config = JSON.parse(new TextDecoder().decode(files['config.json']));
      files['config.json'] = new TextEncoder().encode(JSON.stringify({ ...config, model_type: 'mamba' }));
    });
    const error = await failure(loadModel(folder, { backends: backends() }));
    expect(error.message).toMatch(/mamba/);
    expect(error.message).toMatch(/gpt2/);
  });

  it('rejects a truncated safetensors file without a raw stack', async () => {
    const folder = await folderWith((files) => {
      files['model.safetensors'] = files['model.safetensors'].subarray(0, 1000);
    });
    const error = await failure(loadModel(folder, { backends: backends() }));
    expect(error.code).toBe('INVALID_FILE');
  });

  it("takes a list of loaders; a loader with its own architectures loads a model family the defaults refuse", async () => {
    const { files, config } = createTinyGpt2();
    const mine = memoryModelFiles({ ...files, 'config.json': new TextEncoder().encode(JSON.stringify({ ...config, model_type: 'my_gpt2' })) }, 'my-gpt2');
    const error = await failure(loadModel(mine, { backends: [tfjsBackendLoader, ortBackendLoader] }));
    expect(error.message).toMatch(/tfjs: model_type "my_gpt2" is not supported by the tfjs backend \(supported: gpt2, llama/);
    const architectures = tfjsArchitectures().register({
      name: 'my_gpt2',
      kind: 'decoder-only',
      parseConfig: (raw) => ({ ...parseGpt2Config({ ...raw, model_type: 'gpt2' }), modelType: 'my_gpt2' }),
      create: createGpt2Model,
    });
    const model = await loadModel(mine, { backends: [createTfjsBackendLoader({ architectures }), ortBackendLoader] });
    expect(model.backend.name).toBe('tfjs');
    expect(model.backend.config.modelType).toBe('my_gpt2');
    await model.backend.dispose();
  });

  it('with a dtype, skips backends that load weights as stored and loads that ONNX export', async () => {
    const both = createRegistry<BackendLoader>('backend').register(tfjsBackendLoader).register(ortBackendLoader);
    // One folder with safetensors (tfjs) and fp32 + fp16 ONNX exports (ort).
    const files = memoryModelFiles({ ...createTinyGpt2().files, ...tinyGpt2OnnxFiles({ onnxDtypes: ['fp32', 'fp16'] }) }, 'tiny-both');
    const plain = await loadModel(files, { backends: both });
    expect(plain.backend.name).toBe('tfjs');
    const half = await loadModel(files, { backends: both, dtype: 'fp16' });
    expect(half.backend.name).toBe('ort');
    const ids = { inputIds: { data: Int32Array.from([40, 41, 42]), shape: [1, 3] }, attentionMask: { data: Int32Array.from([1, 1, 1]), shape: [1, 3] } };
    const [a, b] = [await plain.backend.forward(ids), await half.backend.forward(ids)];
    // fp16 weights and I/O: close to float32, not equal.
    const diff = Math.max(...Array.from(a.logits.data, (v, i) => Math.abs(v - b.logits.data[i])));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(5e-2);
    await plain.backend.dispose();
    await half.backend.dispose();
    const error = await failure(loadModel(files, { backends: both, dtype: 'fp8' }));
    expect(error.message).toMatch(/tfjs: it loads weights as stored.*ort: unknown dtype "fp8" \(valid: fp32, fp16, q8/);
  });

  it('rejects an unknown backend id, listing the known ones', async () => {
    const folder = await folderWith();
    const error = await failure(loadModel(folder, { backend: 'onnx', backends: backends() }));
    expect(error.message).toBe("Unknown backend 'onnx'. Known backends: tfjs.");
  });
});
